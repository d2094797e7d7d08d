using System.Reflection;
using Hotline.Knowledge.Articles;
using Hotline.Knowledge.Import;
using Hotline.SharedKernel;

namespace Hotline.Knowledge.Persistence;

/// <summary>One article of the seed files.</summary>
internal sealed record SeedArticle(string Library, ImportArticle Article);

/// <summary>
/// The demo knowledge of each tier (Seed/&lt;tier&gt;.md, embedded): sections <c>### CODE | library | category | title</c>,
/// a <c>关键词:</c> line, then the Markdown body.
/// </summary>
internal static class DemoKnowledge
{
    public static IReadOnlyList<SeedArticle> For(NodeTier tier) => Parse(Read(tier switch
    {
        NodeTier.National => "national",
        NodeTier.Provincial => "provincial",
        _ => "municipal",
    }));

    public static IReadOnlyList<SeedArticle> All() =>
        [.. For(NodeTier.National), .. For(NodeTier.Provincial), .. For(NodeTier.Municipal)];

    internal static IReadOnlyList<SeedArticle> Parse(string text)
    {
        var result = new List<SeedArticle>();
        foreach (var section in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("### ", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = section.Split('\n');
            var head = lines[0].Split('|', StringSplitOptions.TrimEntries);
            if (head.Length < 4)
            {
                continue;
            }

            var keywords = lines.Length > 1 && lines[1].StartsWith("关键词:", StringComparison.Ordinal)
                ? lines[1]["关键词:".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : [];
            var body = string.Join('\n', lines.Skip(keywords.Length > 0 ? 2 : 1)).Trim();
            result.Add(new SeedArticle(head[1], new ImportArticle(head[0], head[3], body, head[2] == "000000" ? null : head[2], keywords)));
        }

        return result;
    }

    private static string Read(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith($"Seed.{name}.md", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Imports the tier's demo articles, published, through the ordinary importer.</summary>
    public static async Task<int> SeedAsync(ArticleImporter importer, NodeTier tier, CancellationToken ct)
    {
        var n = 0;
        foreach (var group in For(tier).GroupBy(a => a.Library))
        {
            var outcome = await importer.ImportAsync(group.Key, publish: true, [.. group.Select(g => g.Article)],
                KnowledgeActor.System, int.MaxValue, ct);
            n += outcome.IsSuccess ? outcome.Value.Imported : 0;
        }

        return n;
    }
}
