using Hotline.SharedKernel;

namespace Hotline.Federation.CityCases;

/// <summary>How a case came from another node.</summary>
internal enum IncomingChannel
{
    /// <summary>转办 from another city.</summary>
    Transfer,
    /// <summary>交办 from a superior.</summary>
    Assignment,
}

/// <summary>A case arriving at this city from the federation (交办 or 转办).</summary>
internal sealed record IncomingCase(
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
internal sealed record AcceptedIncomingCase(string CaseNumber, bool AlreadyExisted);

/// <summary>Feedback from a handling city, recorded on this city's own (origin) case.</summary>
internal sealed record IncomingFeedback(Guid FeedbackId, string CaseNumber, string FromNode, string Kind, string Text, DateTimeOffset At)
{
    /// <summary>The chain's correlation id (reminders: the assignment's).</summary>
    public Guid CorrelationId { get; init; }
}

/// <summary>Where a city case came from, if from another node.</summary>
internal sealed record CaseOrigin(string OriginNode, string OriginCaseNumber, Guid CorrelationId, IncomingChannel Channel);

/// <summary>One entry of the city's case feed (written in the same transaction as the case change).</summary>
internal sealed record CityFeedEntry(
    long Position,
    string CaseNumber,
    string EventType,
    DateTimeOffset OccurredAt,
    Contracts.CaseSummary Summary,
    string? Comment,
    CaseOrigin? Origin,
    CityTransfer? Transfer);

/// <summary>The content of a 转办 entry: where the case goes and what the handler there needs.</summary>
internal sealed record CityTransfer(string TargetNode, string Reason, string Description, string? Phone, string? Name, string? Category)
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
/// The city's case module as federation sees it: a small adapter over Hotline.Ticketing's ICaseIntake and ICaseFeed,
/// so the relay and handlers do not depend on the ticketing module's internals.
/// </summary>
internal interface ICityCases
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
