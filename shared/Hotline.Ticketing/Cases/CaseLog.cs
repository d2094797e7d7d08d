using System.Text.Json;
using Hotline.SharedKernel;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;

namespace Hotline.Ticketing.Cases;

/// <summary>
/// Writes the three records every state change leaves, into the caller's unit of work (same transaction as the change):
/// the timeline event, the feed entry, and the audit record.
/// </summary>
internal static class CaseLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Record(TicketingDbContext db, WorkOrder order, Actor actor, DateTimeOffset at, string kind,
        CaseStatus? from, CaseStatus? to, string? comment, bool isPublic, string? feedEvent, string? feedComment = null)
    {
        var (e, feed, audit) = Build(order, actor, at, kind, from, to, comment, isPublic, feedEvent, feedComment);
        db.Events.Add(e);
        if (feed is not null)
        {
            db.Feed.Add(feed);
        }

        db.Audit.Add(audit);
    }

    /// <summary>The three records of one change, not yet stored (the intake writer stores them itself).</summary>
    public static (CaseEvent Event, FeedRow? Feed, AuditRecord Audit) Build(WorkOrder order, Actor actor, DateTimeOffset at, string kind,
        CaseStatus? from, CaseStatus? to, string? comment, bool isPublic, string? feedEvent, string? feedComment = null)
    {
        var e = new CaseEvent
        {
            CaseId = order.Id,
            Case = order.Id == 0 ? order : null,
            CaseNumber = order.CaseNumber,
            At = at,
            Actor = actor.Id,
            Kind = kind,
            FromStatus = from,
            ToStatus = to,
            Comment = comment,
            Public = isPublic,
        };
        var feed = feedEvent is null ? null : FeedOf(order, at, feedEvent, feedComment ?? comment);
        return (e, feed, AuditOf(actor, at, "case." + kind, order.CaseNumber, from is null && to is null ? comment : $"{from}→{to}"));
    }

    public static void AddFeed(TicketingDbContext db, WorkOrder order, DateTimeOffset at, string eventType, string? comment) =>
        db.Feed.Add(FeedOf(order, at, eventType, comment));

    private static FeedRow FeedOf(WorkOrder order, DateTimeOffset at, string eventType, string? comment) => new()
    {
        CaseNumber = order.CaseNumber,
        EventType = eventType,
        OccurredAt = at,
        SummaryJson = JsonSerializer.Serialize(Summarize(order), Json),
        Comment = comment,
        SourceNode = order.SourceNode,
        SourceCaseNumber = order.SourceCaseNumber,
        CorrelationId = order.CorrelationId,
    };

    public static void Audit(TicketingDbContext db, Actor actor, DateTimeOffset at, string action, string? caseNumber, string? detail) =>
        db.Audit.Add(AuditOf(actor, at, action, caseNumber, detail));

    private static AuditRecord AuditOf(Actor actor, DateTimeOffset at, string action, string? caseNumber, string? detail) => new()
    {
        At = at,
        Actor = actor.Id,
        Roles = string.Join(',', actor.Roles),
        Action = action,
        CaseNumber = caseNumber,
        Detail = detail is { Length: > 500 } ? detail[..500] : detail,
        RemoteAddress = actor.RemoteAddress,
    };

    public static CaseSummary Summarize(WorkOrder o) => new(o.CaseNumber, o.Type, o.Category, o.Channel, StatusText.Json(o.Status),
        Masking.Phone(o.CallerPhone), o.Title, o.AcceptedAt, o.Deadline, o.Major, o.HandlingUnit);

    public static CaseSummary? ParseSummary(string json) => JsonSerializer.Deserialize<CaseSummary>(json, Json);
}
