namespace Hotline.SharedKernel;

/// <summary>One cell of a city day (see the module's ADR): the dimensions ("" when empty) and the counts.</summary>
public sealed record DailyStatsCell(string Type, string Category, string CategoryName, string Channel, string Enterprise, string Status,
    long Cases, long Closed, long ClosedWithDeadline, long OnTime, long Visited, long Satisfied, long Basic, long Dissatisfied,
    long Inquiries, long ImmediateInquiries);

/// <summary>
/// A city's aggregates of one China date (日汇总), as sent up the tree: the whole day each time (it replaces the day
/// above), with a version that only grows, so deliveries may repeat and arrive in any order.
/// </summary>
public sealed record DailyStats(string Node, string NodeName, string Province, string Day, long Version, IReadOnlyList<DailyStatsCell> Cells);

/// <summary>
/// How the federation carries the daily aggregates without knowing the analytics module: read the days this node still
/// owes its parent, mark them sent, and apply a day received from a child.
/// </summary>
public interface IDailyStatsExchange
{
    /// <summary>How often the days still owed to the parent should be looked for.</summary>
    TimeSpan SendInterval { get; }

    /// <summary>Days changed here (a city's own, or a province's received ones) not yet sent to the parent, oldest change first.</summary>
    Task<IReadOnlyList<DailyStats>> ReadPendingAsync(int max, CancellationToken ct);

    /// <summary>Clears the pending mark of the days sent, unless they changed again meanwhile.</summary>
    Task MarkSentAsync(IReadOnlyList<DailyStats> sent, CancellationToken ct);

    /// <summary>
    /// Stores a day received from <paramref name="fromNode"/> (a city for a province; a province relaying its city for
    /// the ministry). Replaces the stored day when newer; true when applied, false when stale or a repeat. Forbidden when
    /// the day's city is outside this node's scope or not under <paramref name="fromNode"/>.
    /// </summary>
    Task<Result<bool>> ApplyAsync(DailyStats stats, string fromNode, CancellationToken ct);
}
