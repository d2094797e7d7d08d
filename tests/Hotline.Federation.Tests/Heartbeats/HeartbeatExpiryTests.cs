using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Federation.Tests.Support;

namespace Hotline.Federation.Tests.Heartbeats;

/// <summary>
/// A parent that was down gets current beats on return, not the backlog: the city keeps beating into its durable
/// outbox while 广东 is stopped, and after the restart no beat older than the expiry (3 × the interval) reaches 广东's
/// directory — without the deliver-by the outbox would deliver every beat of the outage.
/// </summary>
public sealed class HeartbeatExpiryTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Expiry = Interval * 3;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-beat-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly NodeSpec _province = TestFederation.Province("440000", "广东省", "440300");
    private readonly NodeSpec _city = TestFederation.City("440300", "深圳市");
    private Dictionary<string, string> _urls = null!;
    private HeartbeatNode? _provinceNode;
    private HeartbeatNode _cityNode = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_data);
        _urls = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["440000"] = $"http://127.0.0.1:{TestNode.FreePort()}",
            ["440300"] = $"http://127.0.0.1:{TestNode.FreePort()}",
        };
        _provinceNode = await HeartbeatNode.StartAsync(_province, _urls, _data, Interval);
        _cityNode = await HeartbeatNode.StartAsync(_city, _urls, _data, Interval);
    }

    public async Task DisposeAsync()
    {
        await _cityNode.DisposeAsync();
        if (_provinceNode is not null)
        {
            await _provinceNode.DisposeAsync();
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

    [Fact]
    public async Task After_an_outage_the_parent_records_only_beats_younger_than_the_expiry()
    {
        await Poller.UntilAsync(() => _provinceNode!.Calls.Any(c => c.Beat.Id == "440300"), what: "深圳's beats reaching 广东");

        await _provinceNode!.DisposeAsync();
        _provinceNode = null;
        // The outage: 深圳 keeps beating into its durable outbox meanwhile — the backlog a parent must not get on return.
        await Poller.UntilAsync(OutgoingAsync, n => n >= 5, TimeSpan.FromSeconds(60), "beats piling up in 深圳's outbox");
        await Task.Delay(Expiry * 2);

        var back = DateTimeOffset.UtcNow;
        _provinceNode = await HeartbeatNode.StartAsync(_province, _urls, _data, Interval);

        // The outbox drains (each backlog envelope delivered or discarded), then a beat sent after that is recorded:
        // the province's inbox is sequential, so whatever of the backlog was delivered has been handled by then.
        await Poller.UntilAsync(OutgoingAsync, n => n == 0, TimeSpan.FromSeconds(60), "深圳's outbox drained");
        var drained = DateTimeOffset.UtcNow;
        var fresh = await Poller.UntilAsync(() => Task.FromResult(_provinceNode.Calls.FirstOrDefault(c => c.Beat.Id == "440300" && c.Beat.SentAt > drained)),
            c => c is not null, TimeSpan.FromSeconds(60), "a beat of 深圳 sent after its outbox drained");
        Assert.True(fresh!.Result.IsSuccess);

        // Everything 广东 got since it came back: none older than the expiry at the moment it was back.
        var stale = _provinceNode.Calls.Where(c => c.Beat.SentAt < back - Expiry).Select(c => c.Beat.SentAt).ToList();
        Assert.True(stale.Count == 0, $"{stale.Count} beat(s) of the outage were recorded: {string.Join(", ", stale.Select(s => s.ToString("O")))}");
        var entry = await _provinceNode.EntryAsync("440300");
        Assert.True(entry!.SentAtMs >= (back - Expiry).ToUnixTimeMilliseconds());
    }

    private async Task<int> OutgoingAsync()
    {
        var queues = await _cityNode.Node.Admin.GetFromJsonAsync<JsonElement>("/api/v1/federation/queues");
        return queues.GetProperty("outgoing").GetInt32();
    }
}
