using Hotline.SharedKernel;

namespace Hotline.Analytics.Stats;

/// <summary>
/// What a node's statistics may show (数据范围): a city its own cases, a province its cities, the ministry every
/// province. Division codes (GB/T 2260) carry the province in their first two digits, so 440300 is under 440000.
/// </summary>
internal sealed record StatsScope(string NodeId, NodeTier Tier)
{
    public bool Covers(string code) => Tier switch
    {
        NodeTier.National => RegionCode.IsValid(code),
        NodeTier.Provincial => code.Length == 6 && string.CompareOrdinal(code, 0, NodeId, 0, 2) == 0,
        _ => code == NodeId,
    };

    /// <summary>The SQL condition of the rows in scope, narrowed to <paramref name="node"/> (a province or a city) when given.</summary>
    public (string Sql, string? Value) Filter(string? node)
    {
        if (node is not null && node != NodeId)
        {
            return (RegionCode.IsProvince(node) ? "province = @scope" : "node = @scope", node);
        }

        return Tier switch
        {
            NodeTier.National => ("1 = 1", null),
            NodeTier.Provincial => ("province = @scope", NodeId),
            _ => ("node = @scope", NodeId),
        };
    }
}
