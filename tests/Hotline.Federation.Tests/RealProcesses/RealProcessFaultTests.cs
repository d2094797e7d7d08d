using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Testing;
using Hotline.Federation.Contracts;
using Hotline.Identity;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime.Serialization;
using Xunit.Abstractions;
using E2EPoller = Hotline.Testing.Poller;

namespace Hotline.Federation.Tests.RealProcesses;

/// <summary>
/// A small federation (ministry, 广东, 深圳) started by the launcher as real processes — the built host assemblies with
/// the launcher's environment — shared by the fault tests of this class.
/// </summary>
public sealed class RealFederationFixture : IAsyncLifetime
{
    public const string Topology = """
        {
          "gateway": "auto",
          "nodes": [
            { "id": "100000", "tier": "national", "name": "国家(交通运输部)" },
            { "id": "440000", "tier": "provincial", "name": "广东省", "parent": "100000" },
            { "id": "440300", "tier": "municipal", "name": "深圳市", "parent": "440000" }
          ]
        }
        """;

    private readonly List<NodeProcess> _restarted = [];

    public LauncherProcess Launcher { get; private set; } = null!;

    public JsonObject Federation { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri NodeUrl(string id) =>
        new(Federation["nodes"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == id)!["http"]!.GetValue<string>());

    public async Task InitializeAsync()
    {
        Launcher = LauncherProcess.Start(Topology, null, new Dictionary<string, string>
        {
            ["DemoData__Cases"] = "0",
            ["Federation__RelayPollInterval"] = "00:00:00.200",
        });
        Federation = await Launcher.WaitForFederationAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _restarted)
        {
            await node.DisposeAsync();
        }

        await Launcher.DisposeAsync();
        Http.Dispose();
    }

    /// <summary>The pid of the running host of <paramref name="nodeId"/> (a launcher child, or one restarted by a test).</summary>
    public int PidOf(string nodeId)
    {
        lock (_restarted)
        {
            if (_restarted.LastOrDefault(r => r.NodeId == nodeId && !r.HasExited) is { } restarted)
            {
                return restarted.Pid;
            }
        }

        return ProcessTable.ChildrenOf(Launcher.Pid).Single(pid => NodeProcess.EnvironmentOf(pid).GetValueOrDefault("Node__Id") == nodeId);
    }

    /// <summary>kill -9 the node's process; returns how to start it again (same command line, environment and folder).</summary>
    public NodeProcess.StartInfo Kill(string nodeId)
    {
        var pid = PidOf(nodeId);
        var info = NodeProcess.Capture(nodeId, pid);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(); // SIGKILL on Linux: no shutdown, no flush.
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        return info;
    }

    /// <summary>Starts a killed node again (dies with the test process: pdeathsig) and waits until it is ready.</summary>
    public async Task<NodeProcess> RestartAsync(NodeProcess.StartInfo info)
    {
        var node = NodeProcess.Start(info);
        lock (_restarted)
        {
            _restarted.Add(node);
        }

        var ready = new Uri(NodeUrl(info.NodeId), "/health/ready");
        await E2EPoller.UntilAsync(async () =>
        {
            if (node.HasExited)
            {
                throw new InvalidOperationException($"{info.NodeId} exited on restart:\n{node.Output}");
            }

            try
            {
                using var response = await Http.GetAsync(ready);
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromMinutes(2), $"{info.NodeId} ready after restart");
        return node;
    }

    /// <summary>
    /// A peer token for <paramref name="peerId"/>'s inbox, obtained exactly as node <paramref name="asNode"/> obtains it:
    /// the node's own configuration (read from its process environment) and its client-assertion key in the data folder
    /// (private_key_jwt against the peer's IdP).
    /// </summary>
    public async Task<string> PeerTokenAsync(string asNode, string peerId)
    {
        var pid = PidOf(asNode);
        var cwd = new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Repository.Root;
        var settings = NodeProcess.EnvironmentOf(pid).ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
        if (settings.GetValueOrDefault("Storage:DataDirectory") is { } data)
        {
            settings["Storage:DataDirectory"] = Path.GetFullPath(data, cwd);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddOptions<NodeOptions>().Bind(configuration.GetSection(NodeOptions.SectionName));
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName));
        services.AddPeerTokens(configuration);
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<IPeerTokenProvider>().GetTokenAsync(peerId, CancellationToken.None);
    }

    /// <summary>A staff token from the node's own IdP (the demo client in federation.json).</summary>
    public async Task<HttpClient> StaffClientAsync(string nodeId)
    {
        var client = Federation["demo"]!["clients"]!.AsArray().First(c => c!["node"]!.GetValue<string>() == nodeId)!;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = client["clientId"]!.GetValue<string>(),
            ["client_secret"] = client["clientSecret"]!.GetValue<string>(),
        });
        using var response = await Http.PostAsync(new Uri(NodeUrl(nodeId), "/connect/token"), form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token request at {nodeId} failed: {response.StatusCode} {body}");
        var staff = new HttpClient { BaseAddress = NodeUrl(nodeId), Timeout = TimeSpan.FromSeconds(30) };
        staff.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonNode.Parse(body)!["access_token"]!.GetValue<string>());
        return staff;
    }
}

/// <summary>A node host started by a test (after a kill -9), with the launcher's command line and environment.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(string nodeId, Process process)
    {
        NodeId = nodeId;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What it takes to start a node's host again.</summary>
    public sealed record StartInfo(string NodeId, IReadOnlyList<string> CommandLine, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory);

    public string NodeId { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static Dictionary<string, string> EnvironmentOf(int pid)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var pair in File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    result[pair[..eq]] = pair[(eq + 1)..];
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours.
        }

        return result;
    }

    public static StartInfo Capture(string nodeId, int pid)
    {
        var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var cwd = new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Repository.Root;
        return new StartInfo(nodeId, commandLine, EnvironmentOf(pid), cwd);
    }

    /// <summary>Starts the host under <c>setpriv --pdeathsig KILL</c>, so it cannot outlive the test process — from the
    /// spawner's own thread, which the signal is tied to (a pool thread could be retired mid-test, killing the node).</summary>
    public static NodeProcess Start(StartInfo info)
    {
        var psi = new ProcessStartInfo("setpriv")
        {
            WorkingDirectory = info.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Clear();
        foreach (var (key, value) in info.Environment)
        {
            psi.Environment[key] = value;
        }

        psi.ArgumentList.Add("--pdeathsig");
        psi.ArgumentList.Add("KILL");
        psi.ArgumentList.Add("--");
        foreach (var arg in info.CommandLine.SkipWhile(a => a.EndsWith("setpriv", StringComparison.Ordinal) || a.StartsWith("--pdeathsig", StringComparison.Ordinal)
                     || a is "KILL" or "--"))
        {
            psi.ArgumentList.Add(arg);
        }

        return new NodeProcess(info.NodeId, Spawner.Start(psi));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}

/// <summary>
/// Issue 4 "Done means", with real processes: kill -9 the city while an assignment is in flight and restart it →
/// delivered exactly once; the province down for a minute while the city keeps accepting cases → every report arrives
/// after it returns; the same 交办 delivered twice more → one case. Counts are printed (sent, delivered, duplicates
/// discarded, lost).
/// </summary>
[Trait("Category", "RealProcesses")]
public sealed class RealProcessFaultTests(RealFederationFixture fixture, ITestOutputHelper output) : IClassFixture<RealFederationFixture>
{
    /// <summary>How long the province stays down (the spec says a minute; HOTLINE_FAULT_DOWN_SECONDS can shorten it locally).</summary>
    private static readonly TimeSpan ProvinceDown = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("HOTLINE_FAULT_DOWN_SECONDS"), out var s) && s > 0 ? s : 60);

    [Fact]
    public async Task Kill_9_of_the_city_with_an_assignment_in_flight_then_restart_delivers_it_exactly_once()
    {
        using var ministry = await fixture.StaffClientAsync("100000");
        var appliedBefore = await CityCounterAsync("applied");
        using var created = await ministry.PostAsJsonAsync("/api/v1/assignments", new
        {
            targetNode = "440300", type = "complaint", description = "进程被强杀时在途的交办件：某出租车公司拒载", deadline = DateTimeOffset.UtcNow.AddDays(5),
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var caseNumber = (await created.Content.ReadFromJsonAsync<JsonObject>())!["caseNumber"]!.GetValue<string>();

        // In flight: the ministry has just written it to its outbox; the city dies before (or while) it arrives.
        var city = fixture.Kill("440300");
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await fixture.RestartAsync(city);
        output.WriteLine($"city 440300 killed with SIGKILL and restarted after {clock.Elapsed.TotalSeconds:F1} s");

        var view = await E2EPoller.UntilAsync(async () =>
        {
            var v = await ministry.GetFromJsonAsync<JsonObject>($"/api/v1/assignments/{caseNumber}");
            return v?["handlerCaseNumber"] is JsonValue ? v : null;
        }, TimeSpan.FromMinutes(3), $"the city's case for {caseNumber} reported back to the ministry");
        var handlerCase = view["handlerCaseNumber"]!.GetValue<string>();

        // Exactly once: one case at the city for this assignment (the ministry's read model lists every case the city
        // created, reported up), and the city's counters show one applied, the rest discarded as duplicates.
        var reported = await E2EPoller.UntilAsync(async () =>
        {
            var list = await ministry.GetFromJsonAsync<JsonObject>("/api/v1/cases?node=440300&take=500");
            return list!["items"]!.AsArray().Any(i => i!["caseNumber"]!.GetValue<string>() == handlerCase) ? list : null;
        }, TimeSpan.FromMinutes(2), $"{handlerCase} reported up to the ministry");
        var assignedCases = reported["items"]!.AsArray().Count(i => i!["channel"]!.GetValue<string>() == "assignment"
            && i["caseNumber"]!.GetValue<string>() == handlerCase);
        var assignedTotal = reported["items"]!.AsArray().Count(i => i!["channel"]!.GetValue<string>() == "assignment");

        var applied = await CityCounterAsync("applied") - appliedBefore;
        output.WriteLine($"kill -9: sent=1 delivered={assignedCases} (city applied={applied}) duplicatesDiscarded={await CityCounterAsync("duplicates")} " +
                         $"lost={1 - assignedCases}; handler case {handlerCase}; 交办 cases of the city at the ministry: {assignedTotal}");
        Assert.Equal(1, assignedCases);
        Assert.Equal(1, applied);
    }

    /// <summary>
    /// The same 交办 delivered twice more to the city's inbox, by the province's own credentials: once as a new envelope
    /// (a redelivery the transport cannot recognise, e.g. after a lost acknowledgement) and that envelope again (same
    /// envelope id). The city keeps ONE case: the new envelope is discarded as a duplicate by the domain (intake is
    /// idempotent by origin), the repeated envelope by Wolverine's durable inbox.
    /// </summary>
    [Fact]
    public async Task The_same_assignment_delivered_twice_more_straight_to_the_city_inbox_leaves_one_case()
    {
        using var ministry = await fixture.StaffClientAsync("100000");
        // The first 交办 of a fresh federation compiles its handlers on every node: slow on a loaded machine.
        ministry.Timeout = TimeSpan.FromMinutes(2);
        var deadline = DateTimeOffset.UtcNow.AddDays(5);
        const string description = "重复投递测试：同一交办件送达两次";
        using var created = await ministry.PostAsJsonAsync("/api/v1/assignments", new { targetNode = "440300", type = "complaint", description, deadline });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var caseNumber = (await created.Content.ReadFromJsonAsync<JsonObject>())!["caseNumber"]!.GetValue<string>();
        var view = await E2EPoller.UntilAsync(async () =>
        {
            var v = await ministry.GetFromJsonAsync<JsonObject>($"/api/v1/assignments/{caseNumber}");
            return v?["handlerCaseNumber"] is JsonValue ? v : null;
        }, TimeSpan.FromMinutes(3), $"the city's case for {caseNumber}");
        var handlerCase = view["handlerCaseNumber"]!.GetValue<string>();
        var appliedBefore = await CityCounterAsync("applied");
        var duplicatesBefore = await CityCounterAsync("duplicates");

        // The same 交办 again, as the province forwards it (its own peer token for the city's IdP).
        var token = await fixture.PeerTokenAsync("440000", "440300");
        var again = new CaseAssigned(caseNumber, NodeOptions.NationalId, "440300", Guid.NewGuid(), "complaint", description, deadline,
            DateTimeOffset.UtcNow, "officer");
        var body = EnvelopeSerializer.Serialize(new List<Envelope>
        {
            new()
            {
                Id = Guid.NewGuid(),
                MessageType = "case-assigned.V1",
                ContentType = "application/json",
                Data = JsonSerializer.SerializeToUtf8Bytes(again, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
                Source = "hotline-440000",
                SentAt = DateTimeOffset.UtcNow,
            },
        });
        var posts = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("binary/wolverine-envelopes");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.NodeUrl("440300"), "/_wolverine/batch/federation")) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await fixture.Http.SendAsync(request);
            posts.Add(response.StatusCode);
            Assert.True(response.IsSuccessStatusCode, $"the city's inbox refused the province's envelope: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await E2EPoller.UntilAsync(async () => await CityCounterAsync("duplicates") > duplicatesBefore, TimeSpan.FromMinutes(2),
            "the redelivered 交办 discarded as a duplicate at the city");

        // Whatever the city did with the redelivery has reached the ministry by now: the case list still holds ONE case.
        var list = await E2EPoller.UntilAsync(async () =>
        {
            var l = await ministry.GetFromJsonAsync<JsonObject>("/api/v1/cases?node=440300&take=500");
            return l!["items"]!.AsArray().Any(x => x!["caseNumber"]!.GetValue<string>() == handlerCase) ? l : null;
        }, TimeSpan.FromMinutes(2), $"{handlerCase} at the ministry");
        var matching = list["items"]!.AsArray().Count(x => x!["channel"]!.GetValue<string>() == "assignment"
            && x["title"]?.GetValue<string>() is { } title && title.Contains("重复投递测试", StringComparison.Ordinal));
        var applied = await CityCounterAsync("applied") - appliedBefore;
        var duplicates = await CityCounterAsync("duplicates") - duplicatesBefore;
        output.WriteLine($"duplicate delivery: sent=1 (+2 redeliveries: {string.Join(", ", posts.Select(p => (int)p))}) delivered={matching} " +
                         $"applied={applied} duplicatesDiscarded={duplicates} (the repeated envelope id dropped by the inbox) lost={1 - matching}; case {handlerCase}");
        Assert.Equal(1, matching);
        Assert.Equal(0, applied);
        Assert.Equal(1, duplicates);
    }

    private async Task<long> CityCounterAsync(string name)
    {
        using var cityStaff = await fixture.StaffClientAsync("440300");
        var counters = (await cityStaff.GetFromJsonAsync<JsonObject>("/api/v1/federation/queues"))!["counters"]!.AsObject();
        return counters[name]?.GetValue<long>() ?? 0;
    }

    [Fact]
    public async Task With_the_province_down_for_a_minute_the_city_keeps_accepting_and_every_report_arrives_after_it_returns()
    {
        using var ministry = await fixture.StaffClientAsync("100000");
        var cityUrl = fixture.NodeUrl("440300");
        var province = fixture.Kill("440000");
        var clock = Stopwatch.StartNew();
        var accepted = new List<string>();
        var i = 0;
        while (clock.Elapsed < ProvinceDown)
        {
            using var response = await fixture.Http.PostAsJsonAsync(new Uri(cityUrl, "/api/v1/cases"), new
            {
                type = "complaint", description = $"省节点停机期间受理的投诉 {i++}：出租车拒载", phone = "13812345678",
            });
            Assert.True(response.IsSuccessStatusCode, $"the city refused a case while the province was down: {await response.Content.ReadAsStringAsync()}");
            accepted.Add((await response.Content.ReadFromJsonAsync<JsonObject>())!["caseNumber"]!.GetValue<string>());
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, ProvinceDown.TotalSeconds / 12)));
        }

        // Nothing of it can have reached the ministry: the only way up is the province.
        var before = await ministry.GetFromJsonAsync<JsonObject>("/api/v1/cases?node=440300&take=500");
        var earlyArrivals = before!["items"]!.AsArray().Count(x => accepted.Contains(x!["caseNumber"]!.GetValue<string>()));
        Assert.Equal(0, earlyArrivals);

        await fixture.RestartAsync(province);
        output.WriteLine($"province 440000 down for {clock.Elapsed.TotalSeconds:F0} s (SIGKILL, restarted); the city accepted {accepted.Count} cases meanwhile");
        var list = await E2EPoller.UntilAsync(async () =>
        {
            var l = await ministry.GetFromJsonAsync<JsonObject>("/api/v1/cases?node=440300&take=500");
            var arrived = l!["items"]!.AsArray().Count(x => accepted.Contains(x!["caseNumber"]!.GetValue<string>()));
            return arrived == accepted.Count ? l : null;
        }, TimeSpan.FromMinutes(3), "every report at the ministry after the province returned");

        using var provinceStaff = await fixture.StaffClientAsync("440000");
        var atProvince = (await provinceStaff.GetFromJsonAsync<JsonObject>("/api/v1/cases?node=440300&take=500"))!["items"]!.AsArray()
            .Count(x => accepted.Contains(x!["caseNumber"]!.GetValue<string>()));
        var delivered = list["items"]!.AsArray().Count(x => accepted.Contains(x!["caseNumber"]!.GetValue<string>()));
        var counters = (await ministry.GetFromJsonAsync<JsonObject>("/api/v1/federation/queues"))!["counters"]!.AsObject();
        output.WriteLine($"province down: sent={accepted.Count} delivered={delivered} (province {atProvince}) " +
                         $"duplicatesDiscarded={counters["duplicates"]?.GetValue<long>() ?? 0} lost={accepted.Count - delivered}");
        Assert.Equal(accepted.Count, atProvince);
        Assert.Equal(accepted.Count, delivered);
    }
}
