using Hotline.Directory.Persistence;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Federation.Tests.Heartbeats;

/// <summary>
/// 心跳 in the scale mode (RabbitMQ transport, PostgreSQL storage; servers from scripts/test.sh, missing ones FAIL): the
/// sender is the envelope's source there, so 深圳's own beats are taken from 深圳 and a beat it sends for 广州 is refused.
/// </summary>
[Trait("Category", "Scale")]
public sealed class HeartbeatScaleModeTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-beat-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<HeartbeatNode> _nodes = [];
    private ScaleEnvironment _scale = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_data);
        _scale = await ScaleEnvironment.CreateAsync();
        string[] ids = ["440000", "440300"];
        var urls = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        var interval = TimeSpan.FromMilliseconds(300);
        _nodes.Add(await HeartbeatNode.StartAsync(TestFederation.Province("440000", "广东省", "440300"), urls, _data, interval,
            config: _scale.ConfigFor("440000")));
        _nodes.Add(await HeartbeatNode.StartAsync(TestFederation.City("440300", "深圳市"), urls, _data, interval,
            config: _scale.ConfigFor("440300")));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _scale.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Nothing of PostgreSQL lives here; a leftover folder is cleaned by the OS.
        }
    }

    [Fact]
    public async Task Beats_over_RabbitMQ_are_taken_from_their_sender_and_one_for_another_city_is_refused()
    {
        var province = _nodes[0];
        var city = _nodes[1];
        var own = await Poller.UntilAsync(() => Task.FromResult(province.Calls.FirstOrDefault(c => c.Beat.Id == "440300")),
            c => c is not null, TimeSpan.FromSeconds(60), "深圳's beat at 广东 over RabbitMQ");
        Assert.Equal("440300", own!.Sender);
        Assert.True(own.Result.IsSuccess);
        await using (var scope = province.Node.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DirectoryDbContext>();
            Assert.True(db.Database.IsNpgsql(), "the directory must be on PostgreSQL in scale mode");
            Assert.Equal("440300", (await db.Nodes.AsNoTracking().SingleAsync(n => n.Id == "440300")).ReportedBy);
        }

        var forged = Inbox.Beat("440100", DateTimeOffset.UtcNow, name: "伪造的广州市");
        await city.SendAsync("440000", forged);
        var refused = await Poller.UntilAsync(() => Task.FromResult(province.Calls.FirstOrDefault(c => c.Beat == forged)),
            c => c is not null, TimeSpan.FromSeconds(60), "the forged beat handled");
        Assert.Equal("440300", refused!.Sender);
        Assert.Equal(ErrorKind.Forbidden, refused.Result.Error!.Kind);
        Assert.Null(await province.EntryAsync("440100"));
    }
}
