using Hotline.SharedKernel;
using Wolverine.Attributes;

namespace Hotline.Federation.Contracts;

/// <summary>
/// 日汇总上报 — one city's aggregates of one China date, city → province → national (wire name
/// <c>daily-stats-rolled-up.V1</c>). The whole day each time with a growing <see cref="Version"/>: the receiver replaces
/// its copy of the day when the version is newer, so redelivery and any order are harmless. A province relays its
/// cities' days unchanged.
/// </summary>
[MessageIdentity("daily-stats-rolled-up", Version = 1)]
public sealed record DailyStatsRolledUp(string Node, string NodeName, string Province, string Day, long Version,
    IReadOnlyList<DailyStatsCell> Cells, DateTimeOffset SentAt)
{
    /// <summary>The message of a day read from the analytics store.</summary>
    public static DailyStatsRolledUp Of(DailyStats stats, DateTimeOffset sentAt)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new(stats.Node, stats.NodeName, stats.Province, stats.Day, stats.Version, stats.Cells, sentAt);
    }

    /// <summary>The day as the analytics store takes it.</summary>
    public DailyStats ToStats() => new(Node, NodeName, Province, Day, Version, Cells);
}
