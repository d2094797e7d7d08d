using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Hotline.Federation.CityCases;
using Hotline.Identity;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Hotline.Federation.Tests.Support;

/// <summary>What one node of a test federation is.</summary>
internal sealed record NodeSpec(string Id, NodeTier Tier, string Name, string? Parent, params string[] Children);

/// <summary>One node of a test federation: a real Kestrel host on a free loopback port with the federation module.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private TestNode(NodeSpec spec, WebApplication app, string url, FakeCityCases? city)
    {
        Spec = spec;
        App = app;
        Url = url;
        City = city;
        Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Staff(spec.Id));
        Admin = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Admin(spec.Id));
    }

    public NodeSpec Spec { get; }
    public string Id => Spec.Id;
    public WebApplication App { get; }
    public string Url { get; }
    public FakeCityCases? City { get; }

    /// <summary>Staff (officer) client of this node.</summary>
    public HttpClient Client { get; }

    /// <summary>Administrator client of this node (operator API).</summary>
    public HttpClient Admin { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts a node. <paramref name="grpc"/> (node id → h2c URL) turns on 上级调阅: this node's gRPC listener and its
    /// neighbours' gRPC addresses; <paramref name="services"/> adds registrations (e.g. a city's case source);
    /// <paramref name="configure"/> composes more modules before the federation module, <paramref name="map"/> maps their endpoints.
    /// </summary>
    public static async Task<TestNode> StartAsync(NodeSpec spec, string url, IReadOnlyDictionary<string, string> urls, string dataDirectory,
        IDictionary<string, string?>? extra = null, IPeerTokenProvider? tokens = null, IReadOnlyDictionary<string, string>? grpc = null,
        Action<IServiceCollection>? services = null, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("HOTLINE_TEST_LOG"), out var level) ? level : LogLevel.Warning);
        var config = new Dictionary<string, string?>
        {
            ["Node:Id"] = spec.Id,
            ["Node:Tier"] = spec.Tier.ToString(),
            ["Node:Name"] = spec.Name,
            ["Node:Parent"] = spec.Parent,
            ["Storage:DataDirectory"] = dataDirectory,
            ["Federation:RelayPollInterval"] = "00:00:00.100",
            ["Federation:ScheduledJobPollingTime"] = "00:00:00.300",
        };
        for (var i = 0; i < spec.Children.Length; i++)
        {
            config[$"Node:Children:{i}"] = spec.Children[i];
        }

        var neighbours = spec.Children.Append(spec.Parent).Where(n => n is not null && urls.ContainsKey(n)).ToList();
        for (var i = 0; i < neighbours.Count; i++)
        {
            config[$"Federation:Peers:{i}:Id"] = neighbours[i];
            config[$"Federation:Peers:{i}:Url"] = urls[neighbours[i]!];
            config[$"Federation:Peers:{i}:ClientId"] = "node-" + spec.Id;
            config[$"Federation:Peers:{i}:Grpc"] = grpc?.GetValueOrDefault(neighbours[i]!);
        }

        if (grpc is not null)
        {
            config["Node:GrpcUrl"] = grpc[spec.Id];
        }

        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            config[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKey = TestTokens.Key,
                ValidIssuer = TestTokens.Issuer,
                ValidAudience = spec.Id,
                RoleClaimType = "role",
                NameClaimType = "name",
            };
        });
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton(tokens ?? new TestPeerTokenProvider(spec.Id));
        FakeCityCases? city = null;
        if (spec.Tier == NodeTier.Municipal)
        {
            city = new FakeCityCases(spec.Id);
            builder.Services.AddSingleton<ICityCases>(city);
            builder.Services.AddSingleton<ICityFeedSignal>(city);
        }

        services?.Invoke(builder.Services);
        configure?.Invoke(builder);
        builder.AddFederationModule();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapFederationEndpoints();
        map?.Invoke(app);
        await app.StartAsync();
        return new TestNode(spec, app, url, city);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>A test federation: several nodes in this process, each with its own data folder and port.</summary>
internal sealed class TestFederation : IAsyncDisposable
{
    private readonly Dictionary<string, TestNode> _nodes = new(StringComparer.Ordinal);

    private readonly Dictionary<string, string> _urls = new(StringComparer.Ordinal);
    private Func<NodeSpec, IDictionary<string, string?>?> _extra = _ => null;

    private TestFederation(string dataDirectory) => DataDirectory = dataDirectory;

    /// <summary>Stops a node (its port goes dark, its files stay).</summary>
    public async Task StopAsync(string id)
    {
        var node = _nodes[id];
        _nodes.Remove(id);
        await node.DisposeAsync();
    }

    /// <summary>Starts a stopped node again on the same port with the same data folder.</summary>
    public async Task<TestNode> StartAgainAsync(NodeSpec spec)
    {
        var node = await TestNode.StartAsync(spec, _urls[spec.Id], _urls, DataDirectory, _extra(spec));
        _nodes[spec.Id] = node;
        return node;
    }

    public string DataDirectory { get; }

    public TestNode this[string id] => _nodes[id];

    public static NodeSpec National(params string[] provinces) => new(NodeOptions.NationalId, NodeTier.National, "交通运输部", null, provinces);

    public static NodeSpec Province(string id, string name, params string[] cities) => new(id, NodeTier.Provincial, name, NodeOptions.NationalId, cities);

    public static NodeSpec City(string id, string name) => new(id, NodeTier.Municipal, name, RegionCode.ProvinceOf(id));

    /// <summary>国 → 广东(广州, 深圳), 江苏(南京): the demo topology.</summary>
    public static NodeSpec[] Demo() =>
    [
        National("440000", "320000"),
        Province("440000", "广东省", "440100", "440300"),
        Province("320000", "江苏省", "320100"),
        City("440100", "广州市"),
        City("440300", "深圳市"),
        City("320100", "南京市"),
    ];

    public static Task<TestFederation> StartAsync(IEnumerable<NodeSpec> specs, IDictionary<string, string?>? extra = null) =>
        StartAsync(specs, _ => extra);

    /// <summary>Starts the nodes with per-node extra configuration (e.g. one PostgreSQL database per node).</summary>
    public static async Task<TestFederation> StartAsync(IEnumerable<NodeSpec> specs, Func<NodeSpec, IDictionary<string, string?>?> extraFor)
    {
        var dir = Path.Combine(Path.GetTempPath(), "hotline-fed-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var federation = new TestFederation(dir);
        var list = specs.ToList();
        var urls = list.ToDictionary(s => s.Id, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        foreach (var (k, v) in urls)
        {
            federation._urls[k] = v;
        }

        federation._extra = extraFor;
        await Task.WhenAll(list.Select(async s =>
        {
            var node = await TestNode.StartAsync(s, urls[s.Id], urls, dir, extraFor(s));
            lock (federation._nodes)
            {
                federation._nodes[s.Id] = node;
            }
        }));
        return federation;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file briefly; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary>Polls a condition until it holds or the timeout passes (eventually consistent federation results).</summary>
internal static class Poller
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T last = await probe();
        while (!done(last))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what ?? "condition"}; last value: {last}");
            }

            await Task.Delay(100);
            last = await probe();
        }

        return last;
    }

    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
