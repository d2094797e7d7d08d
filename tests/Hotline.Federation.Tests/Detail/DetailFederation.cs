using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Hotline.Federation.CityCases;
using Hotline.Federation.Tests.Support;
using Hotline.Identity;
using Hotline.SharedKernel;
using Hotline.Ticketing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Hotline.Federation.Tests.Detail;

/// <summary>A city's case store for 上级调阅: known cases answer with a masked phone; every read is kept as the audit trail.</summary>
internal sealed class FakeCaseDetailSource(string node) : ICaseDetailSource
{
    public ConcurrentQueue<CaseDetailRequest> Audit { get; } = new();

    public ConcurrentDictionary<string, string> Phones { get; } = new(StringComparer.Ordinal);

    public Task<Result<CaseDetail>> ReadAsync(CaseDetailRequest request, CancellationToken ct)
    {
        Audit.Enqueue(request);
        if (!Phones.TryGetValue(request.CaseNumber, out var phone))
        {
            return Task.FromResult<Result<CaseDetail>>(Error.NotFound("case.not_found", $"Case {request.CaseNumber} does not exist at {node}."));
        }

        var at = new DateTimeOffset(2026, 11, 25, 9, 30, 0, TimeSpan.FromHours(8));
        return Task.FromResult<Result<CaseDetail>>(new CaseDetail(request.CaseNumber, CaseType.Complaint, "030300", CaseChannel.Phone,
            "handling", "办理中", "出租车拒载", "罗湖口岸出租车拒载，车牌粤B12345。", Masking.Phone(phone), "罗湖口岸", at, at.AddDays(5),
            "深圳市交通运输局", Major: false, Reply: null, Source: null,
            [
                new CaseDetailEvent(at, "accept", "accepted", "已受理", null, "agent1"),
                new CaseDetailEvent(at.AddHours(1), "dispatch", "handling", "办理中", "派至市交通运输局", "lead1"),
            ]));
    }
}

/// <summary>One node of a detail-read test federation: Kestrel on a free HTTP port plus an h2c gRPC port.</summary>
internal sealed class DetailNode : IAsyncDisposable
{
    private DetailNode(string id, WebApplication app, string url, string grpc, FakeCaseDetailSource? cases)
    {
        Id = id;
        App = app;
        Url = url;
        Grpc = grpc;
        Cases = cases;
    }

    public string Id { get; }
    public WebApplication App { get; }
    public string Url { get; }
    public string Grpc { get; }
    public FakeCaseDetailSource? Cases { get; }

    /// <summary>A staff client of this node (an officer named officer-{id}).</summary>
    public HttpClient Staff()
    {
        var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Staff(Id));
        return client;
    }

    /// <summary>Peers: (id, http url, grpc url); a null grpc url leaves gRPC off for that peer.</summary>
    public static async Task<DetailNode> StartAsync(NodeSpec spec, string url, string grpc, string dataDirectory,
        IReadOnlyList<(string Id, string Url, string? Grpc)> peers)
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
            ["Node:GrpcUrl"] = grpc,
            ["Storage:DataDirectory"] = dataDirectory,
            ["Federation:RunRelay"] = "false",
            ["Federation:DetailTimeout"] = "00:00:20",
        };
        for (var i = 0; i < spec.Children.Length; i++)
        {
            config[$"Node:Children:{i}"] = spec.Children[i];
        }

        for (var i = 0; i < peers.Count; i++)
        {
            config[$"Federation:Peers:{i}:Id"] = peers[i].Id;
            config[$"Federation:Peers:{i}:Url"] = peers[i].Url;
            config[$"Federation:Peers:{i}:ClientId"] = "node-" + spec.Id;
            config[$"Federation:Peers:{i}:Grpc"] = peers[i].Grpc;
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
        builder.Services.AddSingleton<IPeerTokenProvider>(new TestPeerTokenProvider(spec.Id));
        FakeCaseDetailSource? cases = null;
        if (spec.Tier == NodeTier.Municipal)
        {
            builder.Services.AddSingleton<ICityCases>(new FakeCityCases(spec.Id));
            cases = new FakeCaseDetailSource(spec.Id);
            builder.Services.AddSingleton<ICaseDetailSource>(cases);
        }

        builder.AddFederationModule();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapFederationEndpoints();
        await app.StartAsync();
        return new DetailNode(spec.Id, app, url, grpc, cases);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>
/// 国 → 广东(广州 offline, 深圳), 江苏 (no cities running): enough tree for ministry → province → city reads and the
/// refusals. 广州 is configured at 广东 with addresses nobody listens on (a city that is down).
/// </summary>
public sealed class DetailFederation : IAsyncLifetime
{
    private readonly Dictionary<string, DetailNode> _nodes = new(StringComparer.Ordinal);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-detail-" + Guid.NewGuid().ToString("N")[..8]);

    internal DetailNode this[string id] => _nodes[id];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        string[] ids = ["100000", "440000", "320000", "440300", "440100"];
        var http = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        var grpc = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        (string, string, string?) Peer(string id) => (id, http[id], grpc[id]);
        var specs = new (NodeSpec Spec, (string, string, string?)[] Peers)[]
        {
            (TestFederation.National("440000", "320000"), [Peer("440000"), Peer("320000")]),
            (TestFederation.Province("440000", "广东省", "440100", "440300"), [Peer("100000"), Peer("440100"), Peer("440300")]),
            (TestFederation.Province("320000", "江苏省"), [Peer("100000")]),
            (TestFederation.City("440300", "深圳市"), [Peer("440000")]),
        };
        var started = await Task.WhenAll(specs.Select(s => DetailNode.StartAsync(s.Spec, http[s.Spec.Id], grpc[s.Spec.Id], _data, s.Peers)));
        foreach (var node in started)
        {
            _nodes[node.Id] = node;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file briefly; the temp folder is cleaned by the OS.
        }
    }
}
