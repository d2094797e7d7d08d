using Hotline.SharedKernel;

namespace Hotline.Ticketing;

/// <summary>The channel a case came in through. 受理渠道</summary>
public enum CaseChannel
{
    /// <summary>电话</summary>
    Phone,
    /// <summary>网站</summary>
    Web,
    /// <summary>手机应用</summary>
    App,
    /// <summary>微信</summary>
    WeChat,
    /// <summary>短信</summary>
    Sms,
    /// <summary>电子邮件</summary>
    Email,
    /// <summary>转办: sent here by another unit or node.</summary>
    Transfer,
    /// <summary>交办: assigned here by a superior node.</summary>
    Assignment,
    /// <summary>企业直通车</summary>
    Enterprise,
    /// <summary>留言/语音信箱</summary>
    Voicemail,
}

/// <summary>The kind of contact. 诉求类型 — JSON: complaint|report|inquiry|suggestion|help|praise.</summary>
public enum CaseType
{
    /// <summary>投诉</summary>
    Complaint,
    /// <summary>举报</summary>
    Report,
    /// <summary>信息咨询</summary>
    Inquiry,
    /// <summary>意见建议</summary>
    Suggestion,
    /// <summary>求助</summary>
    Help,
    /// <summary>表扬</summary>
    Praise,
}

/// <summary>Where a case came from when another node created it (转办/交办).</summary>
public sealed record ExternalReference(string OriginNode, string OriginCaseNumber, string CorrelationId);

/// <summary>Accept a case from any channel. 业务受理</summary>
public sealed record AcceptCase(CaseChannel Channel, CaseType Type, string Description, string? Category = null,
    string? CallerPhone = null, string? CallerName = null, bool Confidential = false, string? Enterprise = null,
    string? Location = null, DateTimeOffset? OccurredAt = null, DateTimeOffset? Deadline = null,
    ExternalReference? Source = null, string? RecordingId = null);

/// <summary>The accepted case: its number, the citizen's query code, and whether it existed already (idempotent intake).</summary>
public sealed record AcceptedCase(string CaseNumber, string QueryCode, bool AlreadyExisted);

/// <summary>Feedback from elsewhere on a case this node sent out (转办 result returning).</summary>
public sealed record ExternalFeedback(string FeedbackId, string CaseNumber, string FromNode, string Kind, string Text, DateTimeOffset At);

/// <summary>The single entry point for creating cases, whatever the channel.</summary>
public interface ICaseIntake
{
    /// <summary>Idempotent: the same Source (OriginNode+OriginCaseNumber) twice returns the existing case with AlreadyExisted=true.</summary>
    Task<Result<AcceptedCase>> AcceptAsync(AcceptCase command, CancellationToken ct);

    /// <summary>Feedback on a case this node sent out; idempotent by FeedbackId. Kind: progressed|resolved|returned.</summary>
    Task<Result<Unit>> RecordExternalFeedbackAsync(ExternalFeedback feedback, CancellationToken ct);
}

/// <summary>One entry of the ordered, durable case feed, written in the same transaction as the state change.</summary>
public sealed record CaseFeedEntry(long Position, string CaseNumber, string EventType,
    DateTimeOffset OccurredAt, CaseSummary Summary, string? Comment, ExternalReference? Source)
{
    /// <summary>For a <see cref="CaseFeedEvents.TransferredOut"/> entry: where the case went and why (<see cref="Comment"/> is the reason).</summary>
    public TransferTarget? Transfer { get; init; }
}

/// <summary>A 转办's destination: the node that handles the case now, and the reason given.</summary>
public sealed record TransferTarget(string TargetNode, string Reason);

/// <summary>The status names a <see cref="CaseSummary"/> carries that other modules act on.</summary>
public static class CaseStatusNames
{
    /// <summary>已办结: the case has a result.</summary>
    public const string Closed = "closed";

    /// <summary>已退单: the case came back to the acceptance desk with a reason.</summary>
    public const string Returned = "returned";
}

/// <summary>What leaves the city about a case: no personal data except a masked phone.</summary>
public sealed record CaseSummary(string CaseNumber, CaseType Type, string? Category, CaseChannel Channel, string Status,
    string MaskedPhone, string Title, DateTimeOffset AcceptedAt, DateTimeOffset? Deadline, bool Major, string? HandlingUnit);

/// <summary>Reads the case feed after a stored position (federation publishes it upward).</summary>
public interface ICaseFeed
{
    /// <summary>Entries with Position &gt; <paramref name="position"/>, in order, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<CaseFeedEntry>> ReadAfterAsync(long position, int max, CancellationToken ct);
}

/// <summary>
/// In-process wake-up for the case feed's reader (the federation relay): completes once entries may have been committed
/// since the previous wait (a commit while nobody waits is remembered; spurious wake-ups are possible), or when
/// the timeout passes — the reader then reads anyway, as a fallback.
/// </summary>
public interface ICaseFeedSignal
{
    /// <summary>Waits until the feed may have new entries, at most <paramref name="timeout"/>.</summary>
    Task WaitAsync(TimeSpan timeout, CancellationToken ct);
}

/// <summary>The event types written to the case feed.</summary>
public static class CaseFeedEvents
{
    public const string Created = "created";
    public const string StatusChanged = "statusChanged";
    public const string MajorFlagged = "majorFlagged";
    public const string Merged = "merged";
    public const string Unmerged = "unmerged";
    /// <summary>转办 out: <see cref="CaseFeedEntry.Transfer"/> names the target, Comment is the reason; <see cref="CaseFeedEntry.Source"/> is null.</summary>
    public const string TransferredOut = "transferredOut";
    /// <summary>催办</summary>
    public const string Urged = "urged";
    /// <summary>督办</summary>
    public const string Supervised = "supervised";
    /// <summary>通报 (raised by this city's deadline monitor).</summary>
    public const string Notified = "notified";
    public const string DeadlineExtended = "deadlineExtended";
    /// <summary>The citizen (and every reporter merged into the case) is to be told the result on their channel.</summary>
    public const string CitizenNotified = "citizenNotified";
    public const string FeedbackReceived = "feedbackReceived";
}

/// <summary>
/// A reminder from the node that assigned or transferred a case here: 催办 (urged), 督办 (supervised) or 通报 (notified).
/// <paramref name="Source"/> names the assigner's case, which this city holds as a 交办/转办 case.
/// </summary>
public sealed record SupervisionNotice(string NoticeId, ExternalReference Source, string FromNode, string Kind, string Text,
    DateTimeOffset At);

/// <summary>The kinds of <see cref="SupervisionNotice"/>.</summary>
public static class SupervisionKinds
{
    /// <summary>催办</summary>
    public const string Urged = "urged";
    /// <summary>督办</summary>
    public const string Supervised = "supervised";
    /// <summary>通报</summary>
    public const string Notified = "notified";
}

/// <summary>
/// Records supervision from above on the local case: it shows in the case history and the handler's queue.
/// Implemented by the ticketing module; federation calls it when a reminder arrives.
/// </summary>
public interface ICaseSupervision
{
    /// <summary>Idempotent by NoticeId; an unknown Source or Kind is an Error naming it.</summary>
    Task<Result<Unit>> RecordAsync(SupervisionNotice notice, CancellationToken ct);
}

/// <summary>
/// The full content of a case leaving this city by 转办: what the receiving city needs to handle it. Personal data
/// travels only here (docs/architecture.md: full content only where a case is handled elsewhere), and every read is audited.
/// </summary>
public sealed record TransferPackage(string CaseNumber, string TargetNode, string Reason, CaseType Type, string? Category,
    string Description, string? CallerPhone, string? CallerName, bool Confidential, string? Enterprise, string? Location,
    DateTimeOffset? OccurredAt, DateTimeOffset AcceptedAt, DateTimeOffset? Deadline);

/// <summary>Reads the transfer package of a case transferred out (转办); implemented by the ticketing module.</summary>
public interface ICaseTransferSource
{
    /// <summary>
    /// The package for the case's latest 转办 to <paramref name="targetNode"/>; audited as a read of personal data by the
    /// federation. Error NotFound when the case was not transferred there.
    /// </summary>
    Task<Result<TransferPackage>> ReadAsync(string caseNumber, string targetNode, CancellationToken ct);
}

/// <summary>
/// A superior node's on-demand read of a case (上级调阅工单详情): who asks (node and user), why, and through which nodes the
/// request travelled (owning city last).
/// </summary>
public sealed record CaseDetailRequest(string CaseNumber, string RequestedByNode, string RequestedByUser, string Reason,
    IReadOnlyList<string> Via);

/// <summary>One line of a case's history as a superior sees it (办理记录): no actor names of citizens, no personal data.</summary>
public sealed record CaseDetailEvent(DateTimeOffset At, string Kind, string? Status, string Text, string? Comment, string? Actor);

/// <summary>
/// What a superior sees of a city's case (工单详情): the case without personal data — the caller's phone masked (or
/// "（保密）" for a confidential case), no name, no recording.
/// </summary>
public sealed record CaseDetail(string CaseNumber, CaseType Type, string? Category, CaseChannel Channel, string Status,
    string StatusText, string Title, string Description, string CallerMasked, string? Location, DateTimeOffset AcceptedAt,
    DateTimeOffset? Deadline, string? HandlingUnit, bool Major, string? Reply, ExternalReference? Source,
    IReadOnlyList<CaseDetailEvent> Timeline);

/// <summary>Reads a case for a superior node (federation on-demand read); implemented by the ticketing module.</summary>
public interface ICaseDetailSource
{
    /// <summary>
    /// The case's detail with personal data masked; every read (also of an unknown case) is audited at this city with
    /// the requesting node, user, reason and route. Error NotFound for an unknown case.
    /// </summary>
    Task<Result<CaseDetail>> ReadAsync(CaseDetailRequest request, CancellationToken ct);
}
