using Hotline.SharedKernel;

namespace Hotline.Federation.CityCases;

/// <summary>How a case came from another node.</summary>
public enum IncomingChannel
{
    /// <summary>转办 from another city.</summary>
    Transfer,
    /// <summary>交办 from a superior.</summary>
    Assignment,
}

/// <summary>A case arriving at this city from the federation (交办 or 转办).</summary>
public sealed record IncomingCase(
    IncomingChannel Channel,
    string OriginNode,
    string OriginCaseNumber,
    Guid CorrelationId,
    string Type,
    string? Category,
    string Description,
    string? Phone,
    string? Name,
    DateTimeOffset? Deadline)
{
    /// <summary>保密: the caller asked for confidentiality (转办 content).</summary>
    public bool Confidential { get; init; }

    /// <summary>The enterprise complained about, if any (转办 content).</summary>
    public string? Enterprise { get; init; }

    /// <summary>Where it happened (转办 content).</summary>
    public string? Location { get; init; }

    /// <summary>When it happened (转办 content).</summary>
    public DateTimeOffset? OccurredAt { get; init; }
}

/// <summary>The city's answer: its own case number, and whether the case already existed (duplicate delivery).</summary>
public sealed record AcceptedIncomingCase(string CaseNumber, bool AlreadyExisted);

/// <summary>Feedback from a handling city, recorded on this city's own (origin) case.</summary>
public sealed record IncomingFeedback(Guid FeedbackId, string CaseNumber, string FromNode, string Kind, string Text, DateTimeOffset At)
{
    /// <summary>The chain's correlation id (reminders: the assignment's).</summary>
    public Guid CorrelationId { get; init; }
}

/// <summary>Where a city case came from, if from another node.</summary>
public sealed record CaseOrigin(string OriginNode, string OriginCaseNumber, Guid CorrelationId, IncomingChannel Channel);

/// <summary>What a feed entry is, as far as the relay acts on it.</summary>
public enum CityFeedEvent
{
    /// <summary>The case was accepted at the city (上报 as a new case; progress to an assigner).</summary>
    Created,
    /// <summary>The case's status changed (progress, or a result or a return, see <see cref="CityCaseOutcome"/>).</summary>
    StatusChanged,
    /// <summary>转办 out: the case went to another node (<see cref="CityFeedEntry.Transfer"/> says where).</summary>
    TransferredOut,
    /// <summary>Any other change (urged, flagged major, merged…): reported up, not fed back.</summary>
    Other,
}

/// <summary>Where the case stands for the node that assigned or transferred it.</summary>
public enum CityCaseOutcome
{
    /// <summary>Still being handled.</summary>
    Open,
    /// <summary>办结: the city has a result.</summary>
    Resolved,
    /// <summary>退单: the city returned the case with a reason.</summary>
    Returned,
}

/// <summary>One entry of the city's case feed (written in the same transaction as the case change).</summary>
/// <param name="Position">The feed position (monotonic; the relay's cursor).</param>
/// <param name="CaseNumber">The city's case number.</param>
/// <param name="Event">What the entry is (typed, for the relay's decisions).</param>
/// <param name="EventName">The feed's own event name, carried up as the read model's last event.</param>
/// <param name="OccurredAt">When it happened at the city.</param>
/// <param name="Summary">The summary snapshot (phone masked).</param>
/// <param name="Outcome">Open, resolved or returned.</param>
/// <param name="Comment">The entry's note (a 转办's reason, a result).</param>
/// <param name="Origin">Where the case came from, if from another node.</param>
/// <param name="Transfer">For <see cref="CityFeedEvent.TransferredOut"/>: where it goes and what the handler there needs.</param>
public sealed record CityFeedEntry(
    long Position,
    string CaseNumber,
    CityFeedEvent Event,
    string EventName,
    DateTimeOffset OccurredAt,
    Contracts.CaseSummary Summary,
    CityCaseOutcome Outcome,
    string? Comment,
    CaseOrigin? Origin,
    CityTransfer? Transfer);

/// <summary>The content of a 转办 entry: where the case goes and what the handler there needs.</summary>
public sealed record CityTransfer(string TargetNode, string Reason, string Description, string? Phone, string? Name, string? Category)
{
    /// <summary>保密 flag of the case.</summary>
    public bool Confidential { get; init; }

    /// <summary>The enterprise complained about.</summary>
    public string? Enterprise { get; init; }

    /// <summary>Where it happened.</summary>
    public string? Location { get; init; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>When the sending city accepted the case.</summary>
    public DateTimeOffset? AcceptedAt { get; init; }
}

/// <summary>
/// The city's case module as federation sees it. Federation does not know which module holds a city's cases: the host
/// that composes one (a city, or a province that takes calls) registers an adapter (<c>municipal/…/Composition</c>).
/// A node without one takes no cases: its relay idles and a 交办/转办 for it is dead-lettered with the reason.
/// </summary>
public interface ICityCases
{
    /// <summary>Creates (or finds, idempotently by origin reference) the city's case for an incoming 交办/转办.</summary>
    Task<Result<AcceptedIncomingCase>> AcceptAsync(IncomingCase incoming, CancellationToken cancellationToken);

    /// <summary>Records feedback from the handling city on the origin case; idempotent by feedback id.</summary>
    Task<Result<Unit>> RecordFeedbackAsync(IncomingFeedback feedback, CancellationToken cancellationToken);

    /// <summary>Records a 催办/督办/通报/send-back from the assigner on the city's case; idempotent by reminder id.</summary>
    Task<Result<Unit>> RecordReminderAsync(IncomingFeedback reminder, CancellationToken cancellationToken);

    /// <summary>Reads the case feed after <paramref name="position"/>, oldest first.</summary>
    Task<IReadOnlyList<CityFeedEntry>> ReadFeedAfterAsync(long position, int max, CancellationToken cancellationToken);
}

/// <summary>
/// In-process wake-up for the relay: completes once the case module may have committed feed entries since the previous
/// wait, or after <c>timeout</c> (the relay then reads anyway). Optional; without it the relay polls.
/// </summary>
public interface ICityFeedSignal
{
    /// <summary>Waits until the feed may have new entries, at most <paramref name="timeout"/>.</summary>
    Task WaitAsync(TimeSpan timeout, CancellationToken ct);
}

/// <summary>上级调阅 as the owning city receives it: who asks (node, user), why, and the nodes it came through.</summary>
public sealed record CityCaseDetailRequest(string CaseNumber, string RequestedByNode, string RequestedByUser, string Reason,
    IReadOnlyList<string> Via);

/// <summary>One line of the case's history as a superior sees it (no personal data).</summary>
public sealed record CityCaseDetailEvent(DateTimeOffset At, string Kind, string? Status, string Text, string? Comment, string? Actor);

/// <summary>
/// The city's case as a superior sees it: the caller masked (or "（保密）"), no name, no recording. Type and channel are
/// the wire names (<c>complaint</c>, <c>phone</c>).
/// </summary>
public sealed record CityCaseDetail(string CaseNumber, string Type, string? Category, string Channel, string Status,
    string StatusText, string Title, string Description, string CallerMasked, string? Location, DateTimeOffset AcceptedAt,
    DateTimeOffset? Deadline, string? HandlingUnit, bool Major, string? Reply, string? OriginNode, string? OriginCaseNumber,
    IReadOnlyList<CityCaseDetailEvent> Timeline);

/// <summary>
/// 上级调阅 at the owning city: reads the case with personal data masked, and audits every read (also of an unknown case)
/// with the requesting node, user, reason and route. Error NotFound for an unknown case.
/// </summary>
public interface ICityCaseDetails
{
    /// <summary>The masked, audited detail of one of this city's cases.</summary>
    Task<Result<CityCaseDetail>> ReadAsync(CityCaseDetailRequest request, CancellationToken ct);
}
