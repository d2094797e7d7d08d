namespace Hotline.Knowledge.Search;

/// <summary>
/// The editors' synonym groups, applied when searching: a query containing one word of a group is also searched
/// with that word replaced by each other word of the group (的士 → 出租车, 出租汽车 …). Applied at query time, so an
/// edited group takes effect at once without re-indexing.
/// </summary>
internal sealed class SynonymSet
{
    public static readonly SynonymSet Empty = new([]);

    private readonly (string Term, string[] Others)[] _entries;

    public SynonymSet(IEnumerable<IReadOnlyList<string>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _entries = [.. groups
            .Select(g => g.Select(KnowledgeAnalyzer.Normalize).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray())
            .Where(g => g.Length > 1)
            .SelectMany(g => g.Select(t => (t, g.Where(o => o != t).ToArray())))
            // Longest first, so 网络预约出租汽车 is taken before 出租汽车 inside it.
            .OrderByDescending(e => e.t.Length)];
    }

    /// <summary>The query rewritten with each synonym of each group word it contains.</summary>
    public IEnumerable<string> Alternatives(string normalizedQuery)
    {
        ArgumentNullException.ThrowIfNull(normalizedQuery);
        var covered = new List<(int Start, int End)>();
        foreach (var (term, others) in _entries)
        {
            var at = normalizedQuery.IndexOf(term, StringComparison.Ordinal);
            if (at < 0 || covered.Any(c => at < c.End && at + term.Length > c.Start))
            {
                continue;
            }

            covered.Add((at, at + term.Length));
            foreach (var other in others)
            {
                yield return string.Concat(normalizedQuery.AsSpan(0, at), other, normalizedQuery.AsSpan(at + term.Length));
            }
        }
    }
}
