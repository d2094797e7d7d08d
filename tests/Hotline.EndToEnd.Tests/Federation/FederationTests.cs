using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Hotline.Testing;

namespace Hotline.EndToEnd.Tests.Federation;

/// <summary>The launcher starts the whole federation; the directory and the gateway see every node.</summary>
[Collection(FederationCollection.Name)]
public sealed class FederationTests(FederationFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Every_node_and_the_gateway_answer_ready_and_live()
    {
        foreach (var id in FederationFixture.StartedNodes)
        {
            var url = fixture.NodeUrl(id);
            using var ready = await Http.GetAsync(new Uri(url, "/health/ready"));
            Assert.True(ready.StatusCode == HttpStatusCode.OK, $"{id} /health/ready answered {ready.StatusCode}");
            using var live = await Http.GetAsync(new Uri(url, "/health/live"));
            Assert.True(live.StatusCode == HttpStatusCode.OK, $"{id} /health/live answered {live.StatusCode}");
        }

        using var gateway = await Http.GetAsync(new Uri(fixture.Gateway, "/health/ready"));
        Assert.Equal(HttpStatusCode.OK, gateway.StatusCode);
    }

    [Fact]
    public void Federation_file_has_the_contract_shape_and_is_owner_only()
    {
        var f = fixture.Federation;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fixture.Launcher.FederationFile));
        AssertLoopbackUrl(f["gateway"]!.GetValue<string>());

        var nodes = f["nodes"]!.AsArray().Select(n => n!.AsObject()).ToList();
        Assert.Equal(FederationFixture.StartedNodes.Order(), nodes.Select(n => n["id"]!.GetValue<string>()).Order());
        foreach (var node in nodes)
        {
            var id = node["id"]!.GetValue<string>();
            var tier = node["tier"]!.GetValue<string>();
            Assert.Contains(tier, new[] { "national", "provincial", "municipal" });
            Assert.False(string.IsNullOrWhiteSpace(node["name"]!.GetValue<string>()));
            AssertLoopbackUrl(node["http"]!.GetValue<string>());
            if (tier == "national")
            {
                Assert.Equal("100000", id);
                Assert.Null(node["parent"]);
            }
            else
            {
                Assert.Equal(tier == "provincial" ? "100000" : string.Concat(id.AsSpan(0, 2), "0000"), node["parent"]!.GetValue<string>());
            }

            if (tier == "municipal")
            {
                var sip = node["sip"]!.AsObject();
                Assert.Matches(@"^127\.0\.0\.1:\d+$", sip["udp"]!.GetValue<string>());
                Assert.Matches(@"^127\.0\.0\.1:\d+$", sip["tcp"]!.GetValue<string>());
                Assert.Equal("12328", sip["hotline"]!.GetValue<string>());
            }
            else
            {
                Assert.Null(node["sip"]);
            }
        }

        var demo = f["demo"]!.AsObject();
        Assert.True(demo["password"]!.GetValue<string>().Length >= 12);
        var users = demo["users"]!.AsArray();
        Assert.Contains(users, u => u!["node"]!.GetValue<string>() == "440300" && u["user"]!.GetValue<string>() == "agent1"
                                    && u["role"]!.GetValue<string>() == "agent");
        Assert.Contains(users, u => u!["node"]!.GetValue<string>() == "100000" && u["user"]!.GetValue<string>() == "officer1");
        var clients = demo["clients"]!.AsArray();
        foreach (var id in FederationFixture.StartedNodes)
        {
            var client = Assert.Single(clients, c => c!["node"]!.GetValue<string>() == id);
            Assert.False(string.IsNullOrWhiteSpace(client!["clientId"]!.GetValue<string>()));
            Assert.True(client["clientSecret"]!.GetValue<string>().Length >= 16);
        }

        var extensions = demo["extensions"]!.AsArray();
        Assert.Contains(extensions, e => e!["node"]!.GetValue<string>() == "440300" && e["extension"]!.GetValue<string>() == "8001"
                                         && e["password"]!.GetValue<string>().Length >= 16);
        Assert.DoesNotContain(extensions, e => e!["node"]!.GetValue<string>() is "440000" or "100000");
    }

    [Theory]
    [InlineData("440300", "深圳市", "municipal")]
    [InlineData("320000", "江苏省", "provincial")]
    [InlineData("100000", "国家(交通运输部)", "national")]
    public async Task Gateway_routes_a_region_code_to_its_node(string id, string name, string tier)
    {
        using var ready = await Http.GetAsync(new Uri(fixture.Gateway, $"/{id}/health/ready"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        var node = await Http.GetFromJsonAsync<JsonObject>(new Uri(fixture.Gateway, $"/{id}/api/v1/node"));
        Assert.Equal(id, node!["id"]!.GetValue<string>());
        Assert.Equal(name, node["name"]!.GetValue<string>());
        Assert.Equal(tier, node["tier"]!.GetValue<string>());
    }

    [Fact]
    public async Task Gateway_sends_the_rest_to_the_national_portal_with_security_headers()
    {
        using var response = await Http.GetAsync(new Uri(fixture.Gateway, "/api/v1/node"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var node = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("100000", node!["id"]!.GetValue<string>());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("SAMEORIGIN", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task Node_metrics_are_scraped_on_the_node_and_not_served_at_the_edge()
    {
        using var direct = await Http.GetAsync(new Uri(fixture.NodeUrl("440300"), "/metrics"));
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);

        foreach (var path in new[] { "/metrics", "/440300/metrics", "/440300/METRICS", "/100000/metrics/" })
        {
            using var edge = await Http.GetAsync(new Uri(fixture.Gateway, path));
            Assert.True(edge.StatusCode == HttpStatusCode.NotFound, $"{path}: {edge.StatusCode}");
        }

        // The rest of the region still passes.
        using var node = await Http.GetAsync(new Uri(fixture.Gateway, "/440300/api/v1/node"));
        Assert.Equal(HttpStatusCode.OK, node.StatusCode);
    }

    [Fact]
    public async Task National_directory_lists_every_node_online_and_renders_the_page()
    {
        var directory = await Poller.UntilAsync(async () =>
        {
            var nodes = await fixture.NationalDirectoryAsync();
            return FederationFixture.StartedNodes.All(id => nodes.TryGetValue(id, out var n) && n["status"]!.GetValue<string>() == "online")
                ? nodes
                : null;
        }, TimeSpan.FromSeconds(60), "every node online in the national directory");

        Assert.Equal("440000", directory["440300"]["parent"]!.GetValue<string>());
        Assert.Equal(fixture.NodeUrl("440300").ToString().TrimEnd('/'), directory["440300"]["publicUrl"]!.GetValue<string>());
        Assert.Equal("12328", directory["440300"]["sipEndpoints"]!["hotline"]!.GetValue<string>());

        // The province keeps its own subtree only.
        var province = await Http.GetFromJsonAsync<JsonObject>(new Uri(fixture.NodeUrl("440000"), "/api/v1/directory/nodes"));
        var provinceIds = province!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()).ToList();
        Assert.Contains("440300", provinceIds);
        Assert.DoesNotContain("320100", provinceIds);

        var html = await Http.GetStringAsync(new Uri(fixture.Gateway, "/directory"));
        Assert.Contains("节点目录", html);
        Assert.Contains("深圳市", html);
        Assert.Contains("data-node=\"320100\"", html);
    }

    [Fact]
    public async Task Heartbeats_need_a_node_token()
    {
        var national = fixture.NodeUrl("100000");
        var beat = new
        {
            id = "440300", name = "深圳市", tier = "municipal", parent = "440000", publicUrl = "http://127.0.0.1:1",
            version = "forged", sentAt = DateTimeOffset.UtcNow,
        };
        using var anonymous = await Http.PostAsJsonAsync(new Uri(national, "/api/v1/directory/heartbeats"), beat);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // The national demo client is staff (admin, officer), not a node: refused.
        var client = fixture.Federation["demo"]!["clients"]!.AsArray().Single(c => c!["node"]!.GetValue<string>() == "100000")!;
        var token = await fixture.ClientCredentialsAsync(national, client["clientId"]!.GetValue<string>(), client["clientSecret"]!.GetValue<string>());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(national, "/api/v1/directory/heartbeats"))
        {
            Content = JsonContent.Create(beat),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var staff = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, staff.StatusCode);

        var directory = await fixture.NationalDirectoryAsync();
        Assert.NotEqual("http://127.0.0.1:1", directory["440300"]["publicUrl"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_node_started_later_joins_the_directory_and_the_gateway_without_a_restart()
    {
        var gatewayPid = GatewayPid();
        await using var late = LauncherProcess.Start(dataDirectory: fixture.Launcher.DataDirectory,
            extraArgs: ["--topology", fixture.TopologyFile, "--only", FederationFixture.LateCity]);
        await late.WaitForOutputAsync("joined the federation", TimeSpan.FromMinutes(3));

        var entry = await Poller.UntilAsync(async () =>
        {
            var nodes = await fixture.NationalDirectoryAsync();
            return nodes.TryGetValue(FederationFixture.LateCity, out var n) && n["status"]!.GetValue<string>() == "online" ? n : null;
        }, TimeSpan.FromSeconds(60), "佛山市 online in the national directory");
        Assert.Equal("440000", entry["parent"]!.GetValue<string>());

        var node = await Poller.UntilAsync(async () =>
        {
            using var response = await Http.GetAsync(new Uri(fixture.Gateway, $"/{FederationFixture.LateCity}/api/v1/node"));
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>() : null;
        }, TimeSpan.FromSeconds(30), "the gateway routing /440600/");
        Assert.Equal("佛山市", node["name"]!.GetValue<string>());
        Assert.Equal(gatewayPid, GatewayPid());

        // Stopped again: its child is gone and the directory turns it grey after three missed beats.
        var children = ProcessTable.ChildrenOf(late.Pid);
        Assert.NotEmpty(children);
        late.Signal(LauncherProcess.SigTerm);
        Assert.True(await late.WaitForExitAsync(TimeSpan.FromSeconds(40)), late.Output);
        Assert.All(children, pid => Assert.False(ProcessTable.IsAlive(pid), $"pid {pid} survived"));
        await Poller.UntilAsync(async () =>
        {
            var nodes = await fixture.NationalDirectoryAsync();
            return nodes[FederationFixture.LateCity]["status"]!.GetValue<string>() == "stale";
        }, TimeSpan.FromSeconds(60), "佛山市 stale after it stopped");
    }

    [Fact]
    public async Task A_second_full_launch_on_the_same_data_folder_is_refused()
    {
        await using var second = LauncherProcess.Start(dataDirectory: fixture.Launcher.DataDirectory,
            extraArgs: ["--topology", fixture.TopologyFile]);

        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(60)), second.Output);
        Assert.Equal(2, second.ExitCode);
        Assert.Contains("already running", second.Output, StringComparison.Ordinal);
        Assert.False(fixture.Launcher.HasExited);
    }

    private int GatewayPid() => ProcessTable.ChildrenOf(fixture.Launcher.Pid)
        .Single(pid => ProcessTable.CommandLine(pid).Contains("Hotline.Gateway.dll", StringComparison.Ordinal));

    private static void AssertLoopbackUrl(string url)
    {
        var uri = new Uri(url);
        Assert.Equal("http", uri.Scheme);
        Assert.Equal("127.0.0.1", uri.Host);
        Assert.False(url.EndsWith('/'));
    }
}
