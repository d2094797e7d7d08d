using Wolverine.Attributes;

namespace Hotline.Federation.Contracts;

/// <summary>
/// A message that travels along the federation tree (city → province → national → province → city). Every node on
/// the way forwards it to the next hop until it reaches <see cref="TargetNode"/>; each hop is a durable outbox write.
/// </summary>
public interface IRoutedMessage
{
    /// <summary>The case number the message is about (unique across the federation).</summary>
    string CaseNumber { get; }

    /// <summary>The region code of the node that raised the message.</summary>
    string OriginNode { get; }

    /// <summary>The region code of the node that must finally apply it.</summary>
    string TargetNode { get; }

    /// <summary>Ties every message of one 交办/转办/report chain together.</summary>
    Guid CorrelationId { get; }
}

/// <summary>A summary of a case as it is reported up the tree: no personal data except the masked phone.</summary>
/// <param name="CaseNumber">The case number at the city that owns it.</param>
/// <param name="Type">complaint, report, inquiry, suggestion, help or praise (诉求类型).</param>
/// <param name="Category">Service category code, if known.</param>
/// <param name="Channel">Acceptance channel (phone, web, transfer, assignment, …).</param>
/// <param name="Title">Short description (no personal data).</param>
/// <param name="MaskedPhone">138****1234.</param>
/// <param name="Status">The case status at the city.</param>
/// <param name="CreatedAt">When the case was accepted.</param>
/// <param name="Deadline">The SLA deadline, carried, never restarted.</param>
/// <param name="Major">重大 complaint flag.</param>
public sealed record CaseSummary(
    string CaseNumber,
    string Type,
    string? Category,
    string Channel,
    string Title,
    string MaskedPhone,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? Deadline,
    bool Major);

/// <summary>
/// 上报: a city accepted a case; its summary travels to the province and on to the ministry. Applied at every tier it
/// passes (province and national read models), final target the national node.
/// </summary>
[MessageIdentity("case-reported", Version = 1)]
public sealed record CaseReported(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    long Version,
    DateTimeOffset OccurredAt,
    CaseSummary Summary) : IRoutedMessage;

/// <summary>A reported case changed status at its city (same path and semantics as <see cref="CaseReported"/>).</summary>
[MessageIdentity("case-status-changed", Version = 1)]
public sealed record CaseStatusChanged(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    long Version,
    DateTimeOffset OccurredAt,
    string EventType,
    CaseSummary Summary) : IRoutedMessage;

/// <summary>
/// 交办: a province or the ministry assigns a case to a city with a deadline. <see cref="CaseNumber"/> is the
/// assigner's case number; the city creates its own case with this as the external reference.
/// </summary>
[MessageIdentity("case-assigned", Version = 1)]
public sealed record CaseAssigned(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    string Type,
    string Description,
    DateTimeOffset Deadline,
    DateTimeOffset AssignedAt,
    string AssignedBy) : IRoutedMessage;

/// <summary>
/// 转办: a city hands a case to another city (same or other province) through the tree. Carries the full content the
/// handling city needs (the phone is personal data: transferred only because the case is handled there, and audited).
/// The deadline is the original SLA deadline, not restarted.
/// </summary>
[MessageIdentity("case-transferred", Version = 1)]
public sealed record CaseTransferred(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    string Type,
    string? Category,
    string Description,
    string? Phone,
    string? Name,
    string Reason,
    DateTimeOffset? Deadline,
    DateTimeOffset TransferredAt) : IRoutedMessage;

/// <summary>
/// 转办, version 2: the full content of the case as the sending city's ticketing module gives it
/// (<c>ICaseTransferSource</c>, read audited there), so the receiving city's case has the description, the caller and
/// the details. Version 1 (<see cref="CaseTransferred"/>) is still accepted. Personal data (phone, name) travels only
/// in this message and only to the handling city.
/// </summary>
[MessageIdentity("case-transferred", Version = 2)]
public sealed record CaseTransferredV2(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    string Type,
    string? Category,
    string Description,
    string? Phone,
    string? Name,
    string Reason,
    DateTimeOffset? Deadline,
    DateTimeOffset TransferredAt,
    bool Confidential,
    string? Enterprise,
    string? Location,
    DateTimeOffset? OccurredAt,
    DateTimeOffset? AcceptedAt) : IRoutedMessage;

/// <summary>The kinds of feedback a handling city sends back to the assigner or sender.</summary>
public enum FeedbackKind
{
    /// <summary>进展 progress while handling.</summary>
    Progressed,
    /// <summary>办结 the result.</summary>
    Resolved,
    /// <summary>退单 returned with a reason (wrong assignee).</summary>
    Returned,
}

/// <summary>
/// Feedback from the handling city back to the node that assigned (交办) or transferred (转办) the case.
/// <see cref="CaseNumber"/> is the ORIGIN's case number (the assigner's or the sending city's);
/// <see cref="HandlerCaseNumber"/> the handling city's own. <see cref="FeedbackId"/> makes it idempotent.
/// </summary>
public interface ICaseFeedback : IRoutedMessage
{
    /// <summary>Unique per feedback item; the receiver applies each id once.</summary>
    Guid FeedbackId { get; }

    /// <summary>The handling city's own case number.</summary>
    string HandlerCaseNumber { get; }

    /// <summary>The feedback text (result, progress note or reason).</summary>
    string Text { get; }

    /// <summary>When the handler recorded it.</summary>
    DateTimeOffset At { get; }

    /// <summary>Which kind of feedback this is.</summary>
    FeedbackKind Kind { get; }
}

/// <summary>进展反馈: the handling city reports progress.</summary>
[MessageIdentity("case-progressed", Version = 1)]
public sealed record CaseProgressed(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    Guid FeedbackId,
    string HandlerCaseNumber,
    string Text,
    DateTimeOffset At) : ICaseFeedback
{
    /// <inheritdoc />
    public FeedbackKind Kind => FeedbackKind.Progressed;
}

/// <summary>办结: the handling city resolved the case; the text is the result.</summary>
[MessageIdentity("case-resolved", Version = 1)]
public sealed record CaseResolved(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    Guid FeedbackId,
    string HandlerCaseNumber,
    string Text,
    DateTimeOffset At) : ICaseFeedback
{
    /// <inheritdoc />
    public FeedbackKind Kind => FeedbackKind.Resolved;
}

/// <summary>退单: the handling city returns the case with a reason.</summary>
[MessageIdentity("case-returned", Version = 1)]
public sealed record CaseReturned(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    Guid FeedbackId,
    string HandlerCaseNumber,
    string Text,
    DateTimeOffset At) : ICaseFeedback
{
    /// <inheritdoc />
    public FeedbackKind Kind => FeedbackKind.Returned;
}

/// <summary>The kinds of reminder an assigner sends down to the handling city.</summary>
public enum ReminderKind
{
    /// <summary>催办 the deadline nears or has just passed.</summary>
    Urge,
    /// <summary>督办 formal supervision of an overdue case.</summary>
    Supervise,
    /// <summary>通报 public notice of a case that stays overdue.</summary>
    Notice,
    /// <summary>The assigner sent the result back (not accepted); the city must handle it again.</summary>
    SentBack,
}

/// <summary>
/// 催办 / 督办 / 通报 raised by the assigner's saga (or an officer) for an assigned case; travels down to the city.
/// <see cref="CaseNumber"/> is the assigner's case number.
/// </summary>
[MessageIdentity("case-urged", Version = 1)]
public sealed record CaseUrged(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    Guid ReminderId,
    ReminderKind Kind,
    string Text,
    DateTimeOffset Deadline,
    DateTimeOffset At) : IRoutedMessage;

/// <summary>督办: formal supervision of an overdue assigned case (a stronger <see cref="CaseUrged"/>).</summary>
[MessageIdentity("case-supervised", Version = 1)]
public sealed record CaseSupervised(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    Guid ReminderId,
    ReminderKind Kind,
    string Text,
    DateTimeOffset Deadline,
    DateTimeOffset At) : IRoutedMessage;

/// <summary>One case summary inside a <see cref="CaseReportBatch"/>: a creation (<see cref="CreatedEvent"/>) or a change at the city.</summary>
/// <param name="CaseNumber">The case number at the city that owns it.</param>
/// <param name="Version">The city's feed position: older snapshots are ignored.</param>
/// <param name="OccurredAt">When the change happened at the city.</param>
/// <param name="EventType"><see cref="CreatedEvent"/> or the city feed's event name (<c>statusChanged</c>, <c>transferredOut</c>…).</param>
/// <param name="CorrelationId">The case's correlation id (as in <see cref="CaseReported"/>).</param>
/// <param name="Summary">The full summary snapshot (phone masked).</param>
public sealed record CaseReport(
    string CaseNumber,
    long Version,
    DateTimeOffset OccurredAt,
    string EventType,
    Guid CorrelationId,
    CaseSummary Summary)
{
    /// <summary>The <see cref="EventType"/> of a case's first report (its acceptance at the city).</summary>
    public const string CreatedEvent = "created";
}

/// <summary>
/// 批量上报: the summaries a city relayed in one pass (up to <c>Federation:RelayBatchSize</c>), carried as ONE
/// envelope so that each hop is one durable write and one read-model transaction instead of one per case. Same
/// path and semantics as <see cref="CaseReported"/> (applied at every tier it passes, final target the ministry);
/// <see cref="CaseNumber"/> is the first case of the batch (for logs). Single <see cref="CaseReported"/> and
/// <see cref="CaseStatusChanged"/> messages are still accepted.
/// </summary>
[MessageIdentity("case-report-batch", Version = 1)]
public sealed record CaseReportBatch(
    string CaseNumber,
    string OriginNode,
    string TargetNode,
    Guid CorrelationId,
    IReadOnlyList<CaseReport> Reports) : IRoutedMessage;
