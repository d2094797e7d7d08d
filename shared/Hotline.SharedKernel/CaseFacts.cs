namespace Hotline.SharedKernel;

/// <summary>
/// What statistics need of a case as it stands now (no personal data), shared by the module that keeps cases (ticketing)
/// and the one that counts them (analytics) without either knowing the other: type and channel as their JSON names
/// (complaint, inquiry…; phone, wechat…), status as its JSON name (accepted … archived), satisfaction
/// satisfied|basic|dissatisfied when a return visit recorded one.
/// </summary>
public sealed record CaseFact(string CaseNumber, string Type, string? Category, string? CategoryName, string Channel,
    string? Enterprise, string Status, DateTimeOffset AcceptedAt, DateTimeOffset? ClosedAt, DateTimeOffset? Deadline,
    string? Satisfaction, string Title);

/// <summary>The cases changed after a feed position, and the position read up to.</summary>
public sealed record CaseFactsPage(long Position, IReadOnlyList<CaseFact> Facts);

/// <summary>Reads the current facts of cases changed since a case-feed position (statistics at the city).</summary>
public interface ICaseFactsSource
{
    /// <summary>Each case changed by the feed entries after <paramref name="position"/> (at most <paramref name="max"/> entries), once.</summary>
    Task<CaseFactsPage> ReadChangedAsync(long position, int max, CancellationToken ct);
}
