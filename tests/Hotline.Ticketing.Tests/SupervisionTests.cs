using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>
/// Supervision from above (ICaseSupervision: 催办/督办/通报 on a 交办 case), the 转办 content read (ICaseTransferSource),
/// and the city's own 通报 step in the deadline monitor.
/// </summary>
public sealed class SupervisionTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> AssignedAsync(string originCase = "440000-20261125-000007")
    {
        await using var scope = _host.Scope();
        var intake = scope.ServiceProvider.GetRequiredService<ICaseIntake>();
        var accepted = await intake.AcceptAsync(new AcceptCase(CaseChannel.Assignment, CaseType.Complaint, "省厅交办：出租车拒载投诉，请核查处理。",
            CallerPhone: "13912345678", Source: new ExternalReference("440000", originCase, "corr-1")), CancellationToken.None);
        Assert.True(accepted.IsSuccess);
        return accepted.Value.CaseNumber;
    }

    private async Task<Result<Unit>> NoticeAsync(string id, string kind, string originCase = "440000-20261125-000007", string text = "请加快办理")
    {
        await using var scope = _host.Scope();
        var supervision = scope.ServiceProvider.GetRequiredService<ICaseSupervision>();
        return await supervision.RecordAsync(new SupervisionNotice(id, new ExternalReference("440000", originCase, "corr-1"), "440000", kind, text,
            _host.Clock.GetUtcNow()), CancellationToken.None);
    }

    [Fact]
    public async Task A_notice_from_above_is_recorded_once_in_history_queue_badge_and_audit()
    {
        var number = await AssignedAsync();
        Assert.True((await NoticeAsync("n-1", SupervisionKinds.Urged)).IsSuccess);
        Assert.True((await NoticeAsync("n-1", SupervisionKinds.Urged)).IsSuccess); // redelivered: no second record
        Assert.True((await NoticeAsync("n-2", SupervisionKinds.Supervised, text: "<script>alert(1)</script>")).IsSuccess);
        Assert.True((await NoticeAsync("n-3", SupervisionKinds.Notified)).IsSuccess);

        var lead = _host.As("lead1", "teamlead");
        var view = await lead.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal(1, view.GetProperty("urgeCount").GetInt32());
        Assert.Equal(1, view.GetProperty("superviseCount").GetInt32());
        Assert.Equal(1, view.GetProperty("notifyCount").GetInt32());
        var timeline = view.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal(["accepted", "urged", "supervised", "notified"], timeline.Select(t => t.GetProperty("kind").GetString()));
        Assert.All(timeline.Skip(1), t => Assert.Equal("node:440000", t.GetProperty("actor").GetString()));
        Assert.Contains("催办", timeline[1].GetProperty("text").GetString(), StringComparison.Ordinal);

        await using (var scope = _host.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
            var audit = await db.Audit.Where(a => a.CaseNumber == number).Select(a => a.Action).ToListAsync();
            Assert.Equal(1, audit.Count(a => a == "case.urged"));
            Assert.Equal(1, audit.Count(a => a == "case.notified"));
            Assert.Equal(3, await db.SupervisionNotices.CountAsync());
        }

        // The queue shows the badges, the case page the labels; script text stays text.
        var queue = await lead.GetStringAsync("/staff/cases");
        Assert.Contains("badge urged", queue, StringComparison.Ordinal);
        Assert.Contains("通报 1", queue, StringComparison.Ordinal);
        var page = await lead.GetStringAsync($"/staff/cases/{number}");
        Assert.Contains("<strong>通报</strong>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", page, StringComparison.Ordinal);
        var english = _host.As("lead1", "teamlead");
        english.DefaultRequestHeaders.Add("Cookie", ".AspNetCore.Culture=c%3Den-US%7Cuic%3Den-US");
        Assert.Contains("<strong>Supervised</strong>", await english.GetStringAsync($"/staff/cases/{number}?culture=en-US&ui-culture=en-US"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notice_for_an_unknown_source_or_kind_is_an_error_naming_it()
    {
        await AssignedAsync();
        var unknown = await NoticeAsync("n-9", SupervisionKinds.Urged, originCase: "440000-20261125-999999");
        Assert.Equal(ErrorKind.NotFound, unknown.Error!.Kind);
        var badKind = await NoticeAsync("n-10", "scolded");
        Assert.Equal(ErrorKind.Invalid, badKind.Error!.Kind);
        Assert.True(badKind.Error.Fields!.ContainsKey("kind"));
        await using var scope = _host.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<TicketingDbContext>().SupervisionNotices.CountAsync());
    }

    [Fact]
    public async Task The_transfer_package_carries_the_full_content_only_to_the_target_and_is_audited()
    {
        var number = await LifecycleTests.CreateAsync(_host.Anonymous(), "广州出租车粤A12345在天河绕路，请转广州处理。", phone: "13800138000");
        await using (var scope = _host.Scope())
        {
            var source = scope.ServiceProvider.GetRequiredService<ICaseTransferSource>();
            Assert.Equal(ErrorKind.NotFound, (await source.ReadAsync(number, "440100", CancellationToken.None)).Error!.Kind);
        }

        await LifecycleTests.ActAsync(_host.As("agent1", "agent"), number, "transferOut", new { targetNode = "440100", reason = "属广州市管辖" });
        await using (var scope = _host.Scope())
        {
            var source = scope.ServiceProvider.GetRequiredService<ICaseTransferSource>();
            var package = await source.ReadAsync(number, "440100", CancellationToken.None);
            Assert.True(package.IsSuccess);
            Assert.Equal("13800138000", package.Value.CallerPhone);
            Assert.Equal("李四", package.Value.CallerName);
            Assert.Equal("属广州市管辖", package.Value.Reason);
            Assert.Equal(CaseType.Complaint, package.Value.Type);
            Assert.Contains("粤A12345", package.Value.Description, StringComparison.Ordinal);
            Assert.Equal(ErrorKind.NotFound, (await source.ReadAsync(number, "320100", CancellationToken.None)).Error!.Kind);
            Assert.Equal(ErrorKind.NotFound, (await source.ReadAsync("440300-20261125-999999", "440100", CancellationToken.None)).Error!.Kind);

            var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
            var reads = await db.Audit.Where(a => a.CaseNumber == number && a.Action == "pii.read" && a.Actor == "federation").ToListAsync();
            var read = Assert.Single(reads);
            Assert.Contains("440100", read.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_monitor_raises_tongbao_a_further_period_after_duban_on_the_working_calendar()
    {
        var number = await LifecycleTests.CreateAsync(_host.Anonymous(), "网约车平台未退还预付款。", category: "030300");
        var monitor = _host.Services.GetRequiredService<DeadlineMonitor>();
        var lead = _host.As("lead1", "teamlead");
        var deadline = (await lead.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}")).GetProperty("deadline").GetDateTimeOffset();
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 23, 59, 59, TimeSpan.FromHours(8)), deadline); // Wed

        _host.Clock.SetUtcNow(deadline.AddHours(1));
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None)); // 催办
        _host.Clock.SetUtcNow(deadline.AddDays(7)); // Wed 12/9: 5 working days after
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None)); // 督办
        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));
        _host.Clock.SetUtcNow(deadline.AddDays(13)); // Tue 12/15: 9 working days after — not yet
        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));
        _host.Clock.SetUtcNow(deadline.AddDays(14)); // Wed 12/16: 10 working days after (5 + 5)
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None)); // 通报
        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));

        var view = await lead.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal(1, view.GetProperty("notifyCount").GetInt32());
        Assert.Equal(["accepted", "urged", "supervised", "notified"],
            view.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()));
        var board = await lead.GetStringAsync("/staff/cases/overdue");
        Assert.Contains(number, board, StringComparison.Ordinal);
        Assert.Contains("badge notified", board, StringComparison.Ordinal);
        await using var scope = _host.Scope();
        var feed = await scope.ServiceProvider.GetRequiredService<TicketingDbContext>().Feed.Where(f => f.CaseNumber == number)
            .Select(f => f.EventType).ToListAsync();
        Assert.Contains(CaseFeedEvents.Notified, feed);
    }

    [Fact]
    public async Task Tongbao_counts_working_days_across_national_day_and_a_tiaoxiu_saturday()
    {
        static DateTimeOffset At(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.FromHours(8));
        await using var host = await TicketingHost.StartAsync(now: At(9, 21, 10),
            settings: new() { ["Ticketing:SuperviseAfterWorkingDays"] = "1", ["Ticketing:NotifyAfterWorkingDays"] = "3" });
        await using (var scope = host.Scope())
        {
            var intake = scope.ServiceProvider.GetRequiredService<ICaseIntake>();
            var accepted = await intake.AcceptAsync(new AcceptCase(CaseChannel.Assignment, CaseType.Complaint, "交办：公交车过站不停。",
                Deadline: At(9, 29, 18), Source: new ExternalReference("440000", "440000-20260921-000001", "c")), CancellationToken.None);
            Assert.True(accepted.IsSuccess);
        }

        var monitor = host.Services.GetRequiredService<DeadlineMonitor>();
        host.Clock.SetUtcNow(At(9, 29, 19));
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None)); // 催办
        host.Clock.SetUtcNow(At(9, 30, 20)); // Wed: 1 working day overdue
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None)); // 督办
        host.Clock.SetUtcNow(At(10, 7, 20)); // 国庆 10/1–10/7 do not count: still 1
        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));
        host.Clock.SetUtcNow(At(10, 9, 20)); // Thu 10/8, Fri 10/9: 3 working days
        Assert.Equal(0, await monitor.ScanAsync(CancellationToken.None));
        host.Clock.SetUtcNow(At(10, 10, 20)); // Sat 10/10 is a 调休 working day: 4 = 1 + 3
        Assert.Equal(1, await monitor.ScanAsync(CancellationToken.None)); // 通报
    }
}
