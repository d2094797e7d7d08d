using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Hotline.Testing;

namespace Hotline.EndToEnd.Tests.Federation;

/// <summary>
/// One demo federation for the whole class: the default topology plus 佛山市 (440600) under 广东, marked
/// <c>start: manual</c> so a test can make it join later.
/// </summary>
public sealed class FederationFixture : IAsyncLifetime
{
    public const string LateCity = "440600";

    public const string Topology = """
        {
          "gateway": "auto",
          "nodes": [
            { "id": "100000", "tier": "national", "name": "国家(交通运输部)" },
            { "id": "440000", "tier": "provincial", "name": "广东省", "parent": "100000" },
            { "id": "320000", "tier": "provincial", "name": "江苏省", "parent": "100000" },
            { "id": "440100", "tier": "municipal", "name": "广州市", "parent": "440000" },
            { "id": "440300", "tier": "municipal", "name": "深圳市", "parent": "440000" },
            { "id": "320100", "tier": "municipal", "name": "南京市", "parent": "320000" },
            { "id": "440600", "tier": "municipal", "name": "佛山市", "parent": "440000", "start": "manual" }
          ]
        }
        """;

    /// <summary>Demo history per city in this lane (the launcher's default is larger; fewer keeps start-up light).</summary>
    public const int DemoCasesPerCity = 100;

    public static readonly string[] StartedNodes = ["100000", "440000", "320000", "440100", "440300", "320100"];

    public LauncherProcess Launcher { get; private set; } = null!;

    public JsonObject Federation { get; private set; } = null!;

    public string TopologyFile { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    public Uri Gateway => new(Federation["gateway"]!.GetValue<string>());

    public Uri NodeUrl(string id) =>
        new(Federation["nodes"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == id)!["http"]!.GetValue<string>());

    public async Task InitializeAsync()
    {
        Launcher = LauncherProcess.Start(Topology, null, new Dictionary<string, string>(City.CityTelephonyTests.SipEnvironment)
        {
            ["DemoData__Cases"] = DemoCasesPerCity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        TopologyFile = Path.Combine(Path.GetDirectoryName(Launcher.DataDirectory)!, "late-topology.json");
        await File.WriteAllTextAsync(TopologyFile, Topology);
        Federation = await Launcher.WaitForFederationAsync(TimeSpan.FromMinutes(5));
    }

    /// <summary>A token of <paramref name="node"/>'s demo API client (client credentials, from federation.json).</summary>
    public Task<string> TokenAsync(string node)
    {
        var client = Federation["demo"]!["clients"]!.AsArray().Single(c => c!["node"]!.GetValue<string>() == node)!;
        return ClientCredentialsAsync(NodeUrl(node), client["clientId"]!.GetValue<string>(), client["clientSecret"]!.GetValue<string>());
    }

    /// <summary>A client-credentials token from the IdP at <paramref name="node"/>.</summary>
    public async Task<string> ClientCredentialsAsync(Uri node, string clientId, string clientSecret)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        });
        using var response = await Http.PostAsync(new Uri(node, "/connect/token"), form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token request at {node} failed: {response.StatusCode} {body}");
        return JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
    }

    /// <summary>GETs <paramref name="url"/> with a bearer token; asserts 200 and returns the JSON.</summary>
    public async Task<JsonNode> GetJsonAsync(Uri url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>The national directory as JSON nodes keyed by id.</summary>
    public async Task<Dictionary<string, JsonNode>> NationalDirectoryAsync()
    {
        var listing = await Http.GetFromJsonAsync<JsonObject>(new Uri(NodeUrl("100000"), "/api/v1/directory/nodes"));
        return listing!["nodes"]!.AsArray().ToDictionary(n => n!["id"]!.GetValue<string>(), n => n!);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Launcher.DisposeAsync();
    }
}

/// <summary>Every test class that needs the running federation shares one (starting it takes a minute or two).</summary>
[CollectionDefinition(Name)]
public sealed class FederationCollection : ICollectionFixture<FederationFixture>
{
    public const string Name = "Federation";
}
