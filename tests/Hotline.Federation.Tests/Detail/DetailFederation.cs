using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using Hotline.Federation.CityCases;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Federation.Tests.Detail;

/// <summary>A city's case store for 上级调阅: known cases answer with a masked phone; every read is kept as the audit trail.</summary>
internal sealed class FakeCaseDetailSource(string node) : ICityCaseDetails
{
    public ConcurrentQueue<CityCaseDetailRequest> Audit { get; } = new();

    public ConcurrentDictionary<string, string> Phones { get; } = new(StringComparer.Ordinal);

    public Task<Result<CityCaseDetail>> ReadAsync(CityCaseDetailRequest request, CancellationToken ct)
    {
        Audit.Enqueue(request);
        if (!Phones.TryGetValue(request.CaseNumber, out var phone))
        {
            return Task.FromResult<Result<CityCaseDetail>>(Error.NotFound("case.not_found", $"Case {request.CaseNumber} does not exist at {node}."));
        }

        var at = new DateTimeOffset(2026, 11, 25, 9, 30, 0, TimeSpan.FromHours(8));
        return Task.FromResult<Result<CityCaseDetail>>(new CityCaseDetail(request.CaseNumber, "complaint", "030300", "phone",
            "handling", "办理中", "出租车拒载", "罗湖口岸出租车拒载，车牌粤B12345。", Masking.Phone(phone), "罗湖口岸", at, at.AddDays(5),
            "深圳市交通运输局", Major: false, Reply: null, OriginNode: null, OriginCaseNumber: null,
            [
                new CityCaseDetailEvent(at, "accept", "accepted", "已受理", null, "agent1"),
                new CityCaseDetailEvent(at.AddHours(1), "dispatch", "handling", "办理中", "派至市交通运输局", "lead1"),
            ]));
    }
}

/// <summary>One node of a detail-read test federation: a <see cref="TestNode"/> with an h2c gRPC port; a city serves its cases.</summary>
internal sealed class DetailNode(TestNode node, string grpc, FakeCaseDetailSource? cases) : IAsyncDisposable
{
    public string Id => node.Id;
    public WebApplication App => node.App;
    public string Url => node.Url;
    public string Grpc => grpc;
    public FakeCaseDetailSource? Cases => cases;

    /// <summary>A staff client of this node (an officer named officer-{id}).</summary>
    public HttpClient Staff()
    {
        var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Staff(Id));
        return client;
    }

    /// <summary>Starts <paramref name="spec"/> with its neighbours among <paramref name="http"/> (a missing gRPC URL leaves gRPC off for that peer).</summary>
    public static async Task<DetailNode> StartAsync(NodeSpec spec, IReadOnlyDictionary<string, string> http,
        IReadOnlyDictionary<string, string> grpc, string dataDirectory)
    {
        var cases = spec.Tier == NodeTier.Municipal ? new FakeCaseDetailSource(spec.Id) : null;
        var node = await TestNode.StartAsync(spec, http[spec.Id], http, dataDirectory,
            new Dictionary<string, string?> { ["Federation:RunRelay"] = "false", ["Federation:DetailTimeout"] = "00:00:20" },
            grpc: grpc, services: s =>
            {
                if (cases is not null)
                {
                    s.AddSingleton<ICityCaseDetails>(cases);
                }
            });
        return new DetailNode(node, grpc[spec.Id], cases);
    }

    public ValueTask DisposeAsync() => node.DisposeAsync();
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
        System.IO.Directory.CreateDirectory(_data);
        string[] ids = ["100000", "440000", "320000", "440300", "440100"];
        var http = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        var grpc = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        NodeSpec[] specs =
        [
            TestFederation.National("440000", "320000"),
            TestFederation.Province("440000", "广东省", "440100", "440300"),
            TestFederation.Province("320000", "江苏省"),
            TestFederation.City("440300", "深圳市"),
        ];
        var started = await Task.WhenAll(specs.Select(s => DetailNode.StartAsync(s, http, grpc, _data)));
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
            System.IO.Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file briefly; the temp folder is cleaned by the OS.
        }
    }
}
