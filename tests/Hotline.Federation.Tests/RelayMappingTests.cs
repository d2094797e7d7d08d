using Hotline.Federation.CityCases;
using Hotline.Federation.Contracts;
using Hotline.Federation.Relay;

namespace Hotline.Federation.Tests;

public class RelayMappingTests
{
    private static readonly DateTimeOffset Deadline = new(2026, 12, 10, 18, 0, 0, TimeSpan.FromHours(8));

    private static CityFeedEntry Entry(long position, CityFeedEvent kind, string eventName, string status,
        CityCaseOutcome outcome = CityCaseOutcome.Open, CaseOrigin? origin = null, CityTransfer? transfer = null, string? comment = null) =>
        new(position, "440300-20261125-000007", kind, eventName, DateTimeOffset.UtcNow,
            new CaseSummary("440300-20261125-000007", "complaint", null, "phone", "出租车绕路", "138****5678", status, DateTimeOffset.UtcNow, Deadline, false),
            outcome, comment, origin, transfer);

    [Fact]
    public void A_new_case_is_reported_to_the_ministry_with_its_deadline()
    {
        var entry = Entry(1, CityFeedEvent.Created, "created", "accepted");
        Assert.Empty(CaseFeedRelay.MessagesFor("440300", entry));
        var report = CaseFeedRelay.ReportOf("440300", entry);
        Assert.Equal(CaseReport.CreatedEvent, report.EventType);
        Assert.Equal(Deadline, report.Summary.Deadline);
        Assert.Equal(1, report.Version);
        var batch = CaseFeedRelay.BatchOf("440300", 1, [report]);
        Assert.Equal("100000", batch.TargetNode);
        Assert.Equal("440300", batch.OriginNode);
        Assert.Same(report, Assert.Single(batch.Reports));
    }

    [Fact]
    public void A_change_is_reported_with_the_feed_event_name()
    {
        var report = CaseFeedRelay.ReportOf("440300", Entry(5, CityFeedEvent.Other, "majorFlagged", "handling"));
        Assert.Equal("majorFlagged", report.EventType);
        Assert.Equal(5, report.Version);
    }

    [Fact]
    public void Closing_an_assigned_case_sends_the_result_to_the_assigner_with_a_stable_feedback_id()
    {
        var origin = new CaseOrigin("100000", "100000-20261125-000001", Guid.NewGuid(), IncomingChannel.Assignment);
        var closed = Entry(9, CityFeedEvent.StatusChanged, "statusChanged", "closed", CityCaseOutcome.Resolved, origin, comment: "已退还乘客多收车费");
        var first = CaseFeedRelay.MessagesFor("440300", closed).ToList();
        var again = CaseFeedRelay.MessagesFor("440300", closed).ToList();
        Assert.Equal(origin.CorrelationId, CaseFeedRelay.ReportOf("440300", closed).CorrelationId);
        var resolved = Assert.IsType<CaseResolved>(Assert.Single(first));
        Assert.Equal("100000-20261125-000001", resolved.CaseNumber);
        Assert.Equal("100000", resolved.TargetNode);
        Assert.Equal(origin.CorrelationId, resolved.CorrelationId);
        Assert.Equal("440300-20261125-000007", resolved.HandlerCaseNumber);
        Assert.Equal("已退还乘客多收车费", resolved.Text);
        Assert.Equal(resolved.FeedbackId, ((CaseResolved)again[0]).FeedbackId);
    }

    [Fact]
    public void Returned_and_progress_map_to_their_feedback_kinds()
    {
        var origin = new CaseOrigin("440000", "440000-20261125-000003", Guid.NewGuid(), IncomingChannel.Assignment);
        Assert.IsType<CaseReturned>(Assert.Single(CaseFeedRelay.MessagesFor("440300",
            Entry(3, CityFeedEvent.StatusChanged, "statusChanged", "returned", CityCaseOutcome.Returned, origin, comment: "非本市管辖"))));
        Assert.IsType<CaseProgressed>(Assert.Single(CaseFeedRelay.MessagesFor("440300",
            Entry(4, CityFeedEvent.StatusChanged, "statusChanged", "handling", origin: origin))));
        Assert.IsType<CaseProgressed>(Assert.Single(CaseFeedRelay.MessagesFor("440300", Entry(2, CityFeedEvent.Created, "created", "accepted", origin: origin))));
        // Urged/supervised echoes at the city are not fed back to the assigner (only reported up).
        Assert.Empty(CaseFeedRelay.MessagesFor("440300", Entry(5, CityFeedEvent.Other, "urged", "handling", origin: origin)));
    }

    [Fact]
    public void A_transfer_out_produces_a_CaseTransferred_for_the_target_city_keeping_the_deadline()
    {
        var transfer = new CityTransfer("320100", "属南京市管辖", "南京南站出租车拒载", "13912345678", "王先生", null) { Location = "南京南站" };
        var messages = CaseFeedRelay.MessagesFor("440100", Entry(6, CityFeedEvent.TransferredOut, "transferredOut", "transferredOut", transfer: transfer)).ToList();
        var transferred = Assert.IsType<CaseTransferredV2>(Assert.Single(messages));
        Assert.Equal("南京南站出租车拒载", transferred.Description);
        Assert.Equal("王先生", transferred.Name);
        Assert.Equal("南京南站", transferred.Location);
        Assert.Equal("320100", transferred.TargetNode);
        Assert.Equal("440100", transferred.OriginNode);
        Assert.Equal(Deadline, transferred.Deadline);
        Assert.Equal("属南京市管辖", transferred.Reason);
    }
}
