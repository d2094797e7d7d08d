using Hotline.Federation.CityCases;
using Hotline.Municipal.Composition;
using Hotline.Federation.Persistence;
using Hotline.SharedKernel;
using Hotline.Ticketing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Federation.Tests;

/// <summary>The city adapter over the ticketing module (municipal/…/Composition): 催办/督办/通报 into <see cref="ICaseSupervision"/>, 转办 content from <see cref="ICaseTransferSource"/>.</summary>
public sealed class TicketingAdapterTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 9, 0, 0, TimeSpan.FromHours(8));
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly FederationDbContext _db;
    private readonly StubTicketing _ticketing = new();

    public TicketingAdapterTests()
    {
        _connection.Open();
        _db = new FederationDbContext(new DbContextOptionsBuilder<FederationDbContext>().UseSqlite(_connection).Options);
        _db.Database.EnsureCreated();
    }

    public void Dispose()
    {
        _db.Dispose();
        _connection.Dispose();
    }

    [Fact]
    public async Task Urge_supervise_and_notice_reach_ticketing_as_supervision_notices_on_the_assigned_case()
    {
        var cases = new TicketingCityCases(_ticketing, _ticketing, _ticketing, _ticketing);
        var correlation = Guid.NewGuid();
        foreach (var (kind, expected) in new[] { ("urged", "urged"), ("supervised", "supervised"), ("noticed", "notified") })
        {
            var id = Guid.NewGuid();
            var result = await cases.RecordReminderAsync(
                new IncomingFeedback(id, "440000-20261125-000007", "440000", kind, "请加快办理", At) { CorrelationId = correlation },
                CancellationToken.None);
            Assert.True(result.IsSuccess);
            var notice = _ticketing.Notices[^1];
            Assert.Equal(id.ToString(), notice.NoticeId);
            Assert.Equal(expected, notice.Kind);
            Assert.Equal(new ExternalReference("440000", "440000-20261125-000007", correlation.ToString()), notice.Source);
            Assert.Equal("440000", notice.FromNode);
        }

        // A result sent back has no supervision kind of its own: recorded as 催办 with the reason prefixed.
        Assert.True((await cases.RecordReminderAsync(new IncomingFeedback(Guid.NewGuid(), "440000-20261125-000007", "440000", "sentBack", "材料不全", At),
            CancellationToken.None)).IsSuccess);
        Assert.Equal(4, _ticketing.Notices.Count);
        Assert.Equal(("urged", "退回重办：材料不全"), (_ticketing.Notices[^1].Kind, _ticketing.Notices[^1].Text));
        Assert.Equal(0, await _db.AssignmentEvents.CountAsync());
    }

    [Fact]
    public async Task A_refusal_by_ticketing_is_returned_so_the_message_is_dead_lettered_with_the_reason()
    {
        _ticketing.RefuseSupervision = true;
        var cases = new TicketingCityCases(_ticketing, _ticketing, _ticketing, _ticketing);
        var result = await cases.RecordReminderAsync(new IncomingFeedback(Guid.NewGuid(), "440000-20261125-000099", "440000", "urged", "催办", At),
            CancellationToken.None);
        Assert.False(result.IsSuccess);
        Assert.Equal("case.not_found", result.Error!.Code);
    }

    [Fact]
    public async Task A_transfer_out_carries_the_full_content_of_the_transfer_package()
    {
        var cases = new TicketingCityCases(_ticketing, _ticketing, _ticketing, _ticketing);
        var entries = await cases.ReadFeedAfterAsync(0, 10, CancellationToken.None);
        var transfer = Assert.Single(entries).Transfer!;
        Assert.Equal("320100", transfer.TargetNode);
        Assert.Equal("乘客在南京南站遭出租车拒载，司机态度恶劣", transfer.Description);
        Assert.Equal("13912345678", transfer.Phone);
        Assert.Equal("王先生", transfer.Name);
        Assert.Equal("南京南站", transfer.Location);
        Assert.Equal("金陵出租", transfer.Enterprise);
        Assert.Equal(["440100-20261125-000001→320100"], _ticketing.PackagesRead);
    }

    [Fact]
    public async Task Without_a_transfer_source_the_transfer_carries_the_summary_title()
    {
        var cases = new TicketingCityCases(_ticketing, _ticketing, _ticketing);
        var transfer = Assert.Single(await cases.ReadFeedAfterAsync(0, 10, CancellationToken.None)).Transfer!;
        Assert.Equal("南京南站出租车拒载", transfer.Description);
        Assert.Null(transfer.Phone);
        Assert.Empty(_ticketing.PackagesRead);
    }

    [Fact]
    public void Feed_events_and_statuses_map_to_typed_members()
    {
        var summary = new Ticketing.CaseSummary("440100-20261125-000002", CaseType.Complaint, null, CaseChannel.Phone, CaseStatusNames.Closed,
            "139****5678", "出租车绕路", At, At.AddDays(5), false, null);
        var closed = TicketingCityCases.Map(new CaseFeedEntry(2, summary.CaseNumber, Ticketing.CaseFeedEvents.StatusChanged, At, summary, "已退款", null));
        Assert.Equal((CityFeedEvent.StatusChanged, CityCaseOutcome.Resolved, "statusChanged"), (closed.Event, closed.Outcome, closed.EventName));
        var returned = TicketingCityCases.Map(new CaseFeedEntry(3, summary.CaseNumber, Ticketing.CaseFeedEvents.StatusChanged, At,
            summary with { Status = CaseStatusNames.Returned }, "非本市管辖", null));
        Assert.Equal(CityCaseOutcome.Returned, returned.Outcome);
        var urged = TicketingCityCases.Map(new CaseFeedEntry(4, summary.CaseNumber, Ticketing.CaseFeedEvents.Urged, At,
            summary with { Status = "handling" }, null, null));
        Assert.Equal((CityFeedEvent.Other, CityCaseOutcome.Open, "urged"), (urged.Event, urged.Outcome, urged.EventName));
        Assert.Null(urged.Transfer);
    }

    private sealed class StubTicketing : ICaseIntake, ICaseFeed, ICaseSupervision, ICaseTransferSource
    {
        public List<SupervisionNotice> Notices { get; } = [];
        public List<string> PackagesRead { get; } = [];
        public bool RefuseSupervision { get; set; }

        public Task<Result<AcceptedCase>> AcceptAsync(AcceptCase command, CancellationToken ct) =>
            Task.FromResult<Result<AcceptedCase>>(new AcceptedCase("320100-20261125-000001", "123456", false));

        public Task<Result<Unit>> RecordExternalFeedbackAsync(ExternalFeedback feedback, CancellationToken ct) => Task.FromResult(Result.Ok());

        public Task<IReadOnlyList<CaseFeedEntry>> ReadAfterAsync(long position, int max, CancellationToken ct)
        {
            var summary = new Ticketing.CaseSummary("440100-20261125-000001", CaseType.Complaint, null, CaseChannel.Phone, "transferredOut",
                "139****5678", "南京南站出租车拒载", At, At.AddDays(5), false, null);
            IReadOnlyList<CaseFeedEntry> entries = position > 0 ? [] :
                [new CaseFeedEntry(1, summary.CaseNumber, Ticketing.CaseFeedEvents.TransferredOut, At, summary, "事发地在南京市", null)
                {
                    Transfer = new TransferTarget("320100", "事发地在南京市"),
                }];
            return Task.FromResult(entries);
        }

        public Task<Result<Unit>> RecordAsync(SupervisionNotice notice, CancellationToken ct)
        {
            if (RefuseSupervision)
            {
                return Task.FromResult<Result<Unit>>(Error.NotFound("case.not_found", notice.Source.OriginCaseNumber));
            }

            Notices.Add(notice);
            return Task.FromResult(Result.Ok());
        }

        public Task<Result<TransferPackage>> ReadAsync(string caseNumber, string targetNode, CancellationToken ct)
        {
            PackagesRead.Add($"{caseNumber}→{targetNode}");
            return Task.FromResult<Result<TransferPackage>>(new TransferPackage(caseNumber, targetNode, "事发地在南京市", CaseType.Complaint, null,
                "乘客在南京南站遭出租车拒载，司机态度恶劣", "13912345678", "王先生", false, "金陵出租", "南京南站", At.AddHours(-1), At, At.AddDays(5)));
        }
    }
}
