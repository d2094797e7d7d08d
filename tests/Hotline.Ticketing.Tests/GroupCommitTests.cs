using Hotline.SharedKernel;
using System.Reflection;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>
/// The SQLite intake path: group commit behind the writer gate (numbering, nothing stored half, idempotent 交办 deliveries
/// inside a batch that still commits the others) and 查重 indexing after the commit (duplicates listed at once).
/// </summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<Result<AcceptedCase>> AcceptAsync(AcceptCase command)
    {
        await using var scope = _host.Scope();
        return await scope.ServiceProvider.GetRequiredService<ICaseIntake>().AcceptAsync(command, CancellationToken.None);
    }

    [Fact]
    public async Task Concurrent_acceptances_are_numbered_without_gaps_and_each_stores_case_event_feed_and_audit()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Task.Run(() =>
            AcceptAsync(new AcceptCase(CaseChannel.Web, CaseType.Complaint, $"第{i}件：出租车不打表，车牌粤B{10000 + i}。", "030200", $"138{i:00000000}")))));
        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal(Enumerable.Range(1, 120).Select(i => $"440300-20261125-{i:000000}"), results.Select(r => r.Value.CaseNumber).Order());

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.Equal(120, await db.Cases.CountAsync());
        Assert.Equal(120, await db.Events.CountAsync(e => e.Kind == "accepted"));
        Assert.Equal(120, await db.Feed.CountAsync(f => f.EventType == CaseFeedEvents.Created));
        Assert.Equal(120, await db.Audit.CountAsync(a => a.Action == "case.accepted"));
        // Every event points at its own case.
        var mismatched = await db.Events.Join(db.Cases, e => e.CaseId, c => c.Id, (e, c) => new { e.CaseNumber, Number = c.CaseNumber })
            .CountAsync(x => x.CaseNumber != x.Number);
        Assert.Equal(0, mismatched);

        // A new number after a restart of the count comes from the database (the authority), not from memory alone.
        db.Database.ExecuteSqlRaw("UPDATE case_sequences SET last_value = 500");
        var next = await AcceptAsync(new AcceptCase(CaseChannel.Web, CaseType.Inquiry, "咨询地铁末班车时间。", null, "13800000000"));
        Assert.Equal("440300-20261125-000501", next.Value.CaseNumber);
    }

    [Fact]
    public async Task Redelivered_assignments_in_the_same_batch_store_one_case_and_do_not_fail_the_others()
    {
        var source = new ExternalReference("440000", "440000-20261125-000042", "corr-42");
        var work = Enumerable.Range(0, 60).Select(i => Task.Run(() => i % 4 == 0
            ? AcceptAsync(new AcceptCase(CaseChannel.Assignment, CaseType.Complaint, "省厅交办：长途大巴超员载客。", Source: source))
            : AcceptAsync(new AcceptCase(CaseChannel.Web, CaseType.Complaint, $"第{i}件：公交车过站不停。", "030100", $"139{i:00000000}"))));
        var results = await Task.WhenAll(work);
        Assert.All(results, r => Assert.True(r.IsSuccess));
        var assigned = results.Where((_, i) => i % 4 == 0).Select(r => r.Value).ToList();
        Assert.Single(assigned.Select(a => a.CaseNumber).Distinct());
        Assert.Equal(14, assigned.Count(a => a.AlreadyExisted));

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.Equal(46, await db.Cases.CountAsync());
        Assert.Equal(46, await db.Feed.CountAsync(f => f.EventType == CaseFeedEvents.Created)); // (similar ones may also get majorFlagged)
        var numbers = await db.Cases.Select(c => c.CaseNumber).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 46).Select(i => $"440300-20261125-{i:000000}"), numbers.Order());
    }

    [Fact]
    public async Task Every_field_of_an_accepted_case_is_stored_as_the_model_maps_it()
    {
        var accepted = await AcceptAsync(new AcceptCase(CaseChannel.Assignment, CaseType.Report, "举报：货车粤B·D12345超载，在宝安大道。", "010200",
            "0755-88886666", "王五", Confidential: true, Enterprise: "顺风物流有限公司", Location: "宝安大道", OccurredAt: _host.Clock.GetUtcNow().AddHours(-3),
            Deadline: _host.Clock.GetUtcNow().AddDays(3), Source: new ExternalReference("440000", "440000-20261125-000001", "c1"), RecordingId: "rec-9"));
        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var o = await db.Cases.AsNoTracking().SingleAsync(c => c.CaseNumber == accepted.Value.CaseNumber);
        Assert.Equal((CaseChannel.Assignment, CaseType.Report, "010200", CaseStatus.Accepted), (o.Channel, o.Type, o.Category, o.Status));
        Assert.Equal(("0755-88886666", "王五", true, "顺风物流有限公司", "宝安大道", "rec-9"), (o.CallerPhone, o.CallerName, o.Confidential, o.Enterprise, o.Location, o.RecordingId));
        Assert.Equal(("440000", "440000-20261125-000001", "c1", "粤BD12345"), (o.SourceNode, o.SourceCaseNumber, o.CorrelationId, o.Plate));
        Assert.Equal(_host.Clock.GetUtcNow().AddHours(-3).ToUnixTimeMilliseconds(), o.OccurredAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(_host.Clock.GetUtcNow().AddDays(3).ToUnixTimeMilliseconds(), o.Deadline!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(_host.Clock.GetUtcNow().ToUnixTimeMilliseconds(), o.AcceptedAt.ToUnixTimeMilliseconds());
        Assert.Equal(accepted.Value.QueryCode, o.QueryCode);
        // Nothing the writer knows nothing about: every mapped column of the case is one of the entity's properties.
        var mapped = db.Model.FindEntityType(typeof(WorkOrder))!.GetProperties().Select(p => p.Name).ToHashSet();
        var declared = typeof(WorkOrder).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name);
        Assert.Subset(mapped, declared.ToHashSet());
    }

    [Fact]
    public async Task The_duplicates_api_lists_a_case_accepted_a_moment_ago_in_both_directions()
    {
        var first = await LifecycleTests.CreateAsync(_host.Anonymous(), "福田深南大道公交站，出租车粤B12345司机拒载，态度恶劣。", phone: "13911112222");
        var second = await LifecycleTests.CreateAsync(_host.Anonymous(), "深南大道公交站附近出租车粤B12345拒载，司机态度恶劣。", phone: "13733334444");
        var agent = _host.As("agent1", "agent");
        var ofSecond = await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{second}/duplicates");
        Assert.Contains(ofSecond.EnumerateArray(), d => d.GetProperty("caseNumber").GetString() == first);
        var ofFirst = await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{first}/duplicates");
        Assert.Contains(ofFirst.EnumerateArray(), d => d.GetProperty("caseNumber").GetString() == second);
    }

    [Fact]
    public async Task Five_similar_complaints_make_the_next_one_major_once_indexed()
    {
        var numbers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            numbers.Add(await LifecycleTests.CreateAsync(_host.Anonymous(), $"罗湖火车站出租车集中拒载短途乘客，排队很久，第{i}位乘客反映。", phone: $"1360000000{i}",
                category: "030200"));
        }

        var agent = _host.As("agent1", "agent");
        await agent.GetAsync($"/api/v1/cases/{numbers[^1]}/duplicates"); // waits for the indexer
        var last = await Poller.UntilAsync(async () => await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{numbers[^1]}"),
            v => v.GetProperty("major").GetBoolean(), TimeSpan.FromSeconds(10));
        Assert.Contains("群体性", last.GetProperty("majorReason").GetString(), StringComparison.Ordinal);
        Assert.False((await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{numbers[0]}")).GetProperty("major").GetBoolean());
    }
}

/// <summary>Polls until a condition holds (eventually consistent results), failing after a timeout.</summary>
internal static class Poller
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Condition not met within {timeout}: {value}");
            await Task.Delay(50);
        }
    }
}
