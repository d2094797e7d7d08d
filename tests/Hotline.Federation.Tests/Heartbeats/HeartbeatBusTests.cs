using System.Net.Http.Json;
using Hotline.Directory.Heartbeats;
using Hotline.Federation.Bus;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Hotline.Federation.Tests.Heartbeats;

/// <summary>国 → 广东 → 深圳, each running the directory with beats every 300 ms over the federation bus.</summary>
public sealed class HeartbeatFederation : IAsyncLifetime
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(300);

    private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-beat-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, HeartbeatNode> _nodes = new(StringComparer.Ordinal);

    internal HeartbeatNode this[string id] => _nodes[id];

    /// <summary>深圳's h2c address (its beat carries it).</summary>
    public string CityGrpc { get; } = $"http://127.0.0.1:{TestNode.FreePort()}";

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_data);
        string[] ids = ["100000", "440000", "440100", "440300"];
        var urls = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        NodeSpec[] specs =
        [
            TestFederation.National("440000"),
            TestFederation.Province("440000", "广东省", "440100", "440300"),
            TestFederation.City("440300", "深圳市"),
        ];
        var grpc = new Dictionary<string, string>(StringComparer.Ordinal) { ["440300"] = CityGrpc };
        var started = await Task.WhenAll(specs.Select(s =>
            HeartbeatNode.StartAsync(s, urls, _data, Interval, s.Id == "440300" ? grpc : null)));
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

/// <summary>
/// 心跳 over the durable bus: a city's beat reaches the ministry through its province (with its gRPC address), stale
/// envelopes are dropped unrecorded, redelivered and out-of-order beats leave the directory as it was, and a city
/// speaking for another city is refused once — even when it forges the sender header — and never retried.
/// </summary>
public sealed class HeartbeatBusTests(HeartbeatFederation federation) : IClassFixture<HeartbeatFederation>
{
    private HeartbeatNode National => federation["100000"];
    private HeartbeatNode Province => federation["440000"];
    private HeartbeatNode City => federation["440300"];

    [Fact]
    public async Task A_citys_beat_reaches_the_national_directory_through_its_province_over_the_bus_with_its_grpc_address()
    {
        Assert.IsType<BusHeartbeatUplink>(City.Node.App.Services.GetRequiredService<IHeartbeatUplink>());

        var listing = await Poller.UntilAsync(National.ListingAsync,
            l => l.Nodes.Any(n => n.Id == "440300" && n.Status == "online" && n.GrpcUrl is not null),
            what: "深圳 online at the ministry with its gRPC address");
        var shenzhen = listing.Nodes.Single(n => n.Id == "440300");
        Assert.Equal(federation.CityGrpc, shenzhen.GrpcUrl);
        Assert.Equal("440000", shenzhen.Parent);
        Assert.Equal(City.Url, shenzhen.PublicUrl);
        Assert.Contains(listing.Nodes, n => n.Id == "440000" && n.Status == "online");

        // The province took it from 深圳 itself, the ministry from the province: the bus handler with the transport's sender.
        Assert.Contains(Province.Calls, c => c.Beat.Id == "440300" && c.Sender == "440300" && c.Result.IsSuccess);
        Assert.Contains(National.Calls, c => c.Beat.Id == "440300" && c.Sender == "440000" && c.Result.IsSuccess);
        Assert.Equal("440000", (await National.EntryAsync("440300"))!.ReportedBy);
        Assert.Equal(federation.CityGrpc, (await Province.EntryAsync("440300"))!.GrpcUrl);
    }

    [Fact]
    public async Task A_beat_past_its_deliver_by_is_dropped_unrecorded()
    {
        var sentAt = DateTimeOffset.UtcNow;
        var stale = Inbox.Beat("440400", sentAt.AddMinutes(-1), name: "珠海市(过期)");
        var fresh = Inbox.Beat("440400", sentAt, name: "珠海市");
        var status = await Inbox.PostAsync(Province.Url, "440000", "440400",
            Inbox.Envelope(stale, deliverBy: sentAt.AddMinutes(-1) + HeartbeatFederation.Interval * 3, source: "hotline-440400"),
            Inbox.Envelope(fresh, source: "hotline-440400"));
        Assert.Equal(200, status);

        await Poller.UntilAsync(() => Province.Calls.Any(c => c.Beat == fresh), what: "the fresh beat of 珠海 recorded");
        Assert.DoesNotContain(Province.Calls, c => c.Beat == stale);
        var entry = await Province.EntryAsync("440400");
        Assert.Equal("珠海市", entry!.Name);
        Assert.Equal(sentAt.ToUnixTimeMilliseconds(), entry.SentAtMs);
    }

    [Fact]
    public async Task A_redelivered_or_older_beat_leaves_the_directory_as_it_was()
    {
        var sentAt = DateTimeOffset.UtcNow;
        var beat = Inbox.Beat("440200", sentAt, name: "韶关市");
        var first = Inbox.Envelope(beat, source: "hotline-440200");
        Assert.Equal(200, await Inbox.PostAsync(Province.Url, "440000", "440200", first));
        await Poller.UntilAsync(() => Province.Calls.Count(c => c.Beat.Id == "440200") == 1, what: "韶关's beat recorded");
        var before = await Province.EntryAsync("440200");
        Assert.NotNull(before);

        // The same envelope again (the inbox knows its id), the same beat in a new envelope (a re-send), an older beat
        // with other data arriving late — any order, at least once.
        var older = Inbox.Beat("440200", sentAt.AddSeconds(-2), name: "韶关市(旧)", url: "http://127.0.0.1:1");
        Assert.Equal(200, await Inbox.PostAsync(Province.Url, "440000", "440200",
            first, Inbox.Envelope(beat, source: "hotline-440200"), Inbox.Envelope(older, source: "hotline-440200")));
        await Poller.UntilAsync(() => Province.Calls.Any(c => c.Beat == older) && Province.Calls.Count(c => c.Beat == beat) >= 2,
            what: "the re-sent and the late beat handled");

        var after = await Province.EntryAsync("440200");
        Assert.Equal(before!.SentAtMs, after!.SentAtMs);
        Assert.Equal(before.LastSeenMs, after.LastSeenMs);
        Assert.Equal("韶关市", after.Name);
        Assert.Equal(before.PublicUrl, after.PublicUrl);
        Assert.All(Province.Calls.Where(c => c.Beat.Id == "440200"), c => Assert.True(c.Result.IsSuccess));
    }

    [Fact]
    public async Task A_citys_beat_sent_as_if_from_another_city_is_refused_once_and_never_retried()
    {
        var forged = Inbox.Beat("440100", DateTimeOffset.UtcNow, name: "伪造的广州市", url: "http://127.0.0.1:1");
        // 深圳 sends over its own bus, and even writes the sender header itself: the province's inbox overwrites it.
        await City.SendAsync("440000", forged, new DeliveryOptions { Headers = { [InboundPeer.Header] = "440100" } });

        var refused = await Poller.UntilAsync(() => Task.FromResult(Province.Calls.FirstOrDefault(c => c.Beat == forged)),
            c => c is not null, what: "the forged beat handled");
        Assert.Equal("440300", refused!.Sender);
        Assert.False(refused.Result.IsSuccess);
        Assert.Equal(ErrorKind.Forbidden, refused.Result.Error!.Kind);
        Assert.Equal("directory.not_your_node", refused.Result.Error.Code);
        Assert.Null(await Province.EntryAsync("440100"));

        // Dropped, not retried: later beats of 深圳 go through while the forged one stays handled once, and no dead letter.
        var count = Province.Calls.Count(c => c.Beat.Id == "440300");
        await Poller.UntilAsync(() => Province.Calls.Count(c => c.Beat.Id == "440300") >= count + 3, what: "three more beats of 深圳");
        Assert.Single(Province.Calls, c => c.Beat == forged);
        var queues = await Province.Node.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/federation/queues");
        Assert.Equal(0, queues.GetProperty("deadLetters").GetInt32());
        Assert.DoesNotContain(National.Calls, c => c.Beat == forged);
    }
}
