using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;

namespace Hotline.Ticketing.Cases.Get;

/// <summary>One line of a timeline as shown to its viewer.</summary>
internal sealed record TimelineItem(DateTimeOffset At, string Kind, string? Status, string StatusText, string? Text, string? Actor);

/// <summary>What a citizen sees with the query code: status and public timeline, personal data masked.</summary>
internal sealed record PublicCaseView(string CaseNumber, string Type, string Status, string StatusText, DateTimeOffset AcceptedAt,
    DateTimeOffset? Deadline, string MaskedPhone, string Title, string Description, string? Reply, IReadOnlyList<TimelineItem> Timeline);

/// <summary>What staff see: the whole case, personal data per role.</summary>
internal sealed record StaffCaseView(
    string CaseNumber, string Type, string? Category, string? CategoryName, string Channel, string Priority, string Status, string StatusText,
    string Title, string Description, string? Phone, string? Name, string PersonalData, bool Confidential, string? Enterprise,
    string? Plate, string? Location, DateTimeOffset? OccurredAt, DateTimeOffset AcceptedAt, DateTimeOffset? Deadline, string DeadlineState,
    string? HandlingUnit, bool HandledByEnterprise, bool Major, string? MajorReason, string? MasterCaseNumber, string? TransferTarget,
    string? Satisfaction, string? Reply, int? PendingExtensionDays, string? PendingExtensionReason, int UrgeCount, int SuperviseCount, int NotifyCount,
    ExternalReference? Source, string? RecordingId, IReadOnlyList<string> AllowedActions, IReadOnlyList<TimelineItem> Timeline,
    IReadOnlyList<Attach.AttachmentInfo> Attachments, string? SuggestedUnit, bool SuggestedUnitIsEnterprise);

/// <summary>A row of a list (queue, search, overdue board, enterprise portal).</summary>
internal sealed record CaseListItem(string CaseNumber, string Type, string? Category, string Channel, string Status, string StatusText,
    string Title, string Phone, DateTimeOffset AcceptedAt, DateTimeOffset? Deadline, string DeadlineState, string? HandlingUnit, bool Major,
    int UrgeCount, int SuperviseCount, int NotifyCount);

internal static class CaseViewMapper
{
    public static string TypeJson(CaseType t) => JsonNames.Camel(t.ToString());

    public static (string? Phone, string? Name) Person(WorkOrder o, PersonalDataView view) => view switch
    {
        PersonalDataView.Full => (o.CallerPhone, o.CallerName),
        PersonalDataView.Masked => (Masking.Phone(o.CallerPhone), Masking.Name(o.CallerName)),
        _ => (o.CallerPhone is null ? null : "（保密）", o.CallerName is null ? null : "（保密）"),
    };

    public static CaseListItem ListItem(WorkOrder o, PersonalDataView view, SlaTable sla, DateTimeOffset now) =>
        new(o.CaseNumber, TypeJson(o.Type), o.Category, JsonNames.Camel(o.Channel.ToString()), StatusText.Json(o.Status),
            StatusText.Zh(o.Status), o.Title, view == PersonalDataView.Hidden ? "（保密）" : Masking.Phone(o.CallerPhone), o.AcceptedAt,
            o.Deadline, JsonNames.Camel(sla.StateOf(o, now).ToString()), o.HandlingUnit, o.Major, o.UrgeCount, o.SuperviseCount,
            o.NotifyCount);

    public static TimelineItem Item(CaseEvent e, bool withActor) =>
        new(e.At, e.Kind, e.ToStatus is { } s ? StatusText.Json(s) : null, e.ToStatus is { } z ? StatusText.Zh(z) : KindText(e.Kind), e.Comment,
            withActor ? e.Actor : null);

    public static string KindText(string kind) => kind switch
    {
        "majorFlagged" => "重大投诉",
        "urged" => "催办",
        "supervised" => "督办",
        "notified" => "通报",
        "mergedFrom" => "并入",
        "unmergedFrom" => "取消并入",
        "resultNotified" => "结果告知",
        "requestExtension" => "申请延期",
        "approveExtension" => "同意延期",
        "rejectExtension" => "不同意延期",
        _ when kind.StartsWith("feedback.", StringComparison.Ordinal) => "外部反馈",
        _ => kind,
    };
}
