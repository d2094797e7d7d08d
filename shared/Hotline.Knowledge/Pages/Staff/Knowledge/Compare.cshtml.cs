using Hotline.Knowledge.Articles.Versions;
using Hotline.Knowledge.Content;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Knowledge.Pages.Staff.Knowledge;

/// <summary>Two versions side by side (0 stands for the working copy): the changed fields, then the body line by line.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class CompareModel(ArticleHistory history) : KnowledgePage
{
    public VersionComparison? Comparison { get; private set; }

    /// <summary>The body as rows of (old line, new line): unchanged lines side by side, changes paired where they replace each other.</summary>
    public IReadOnlyList<(DiffLine? Old, DiffLine? New)> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id, int from, int to, CancellationToken ct)
    {
        var result = await history.CompareAsync(id, from, to, ct);
        if (!result.IsSuccess)
        {
            Fail(result.Error!);
            return Page();
        }

        Comparison = result.Value;
        var rows = new List<(DiffLine?, DiffLine?)>();
        var removed = new List<DiffLine>();
        var added = new List<DiffLine>();
        void Flush()
        {
            for (var i = 0; i < Math.Max(removed.Count, added.Count); i++)
            {
                rows.Add((i < removed.Count ? removed[i] : null, i < added.Count ? added[i] : null));
            }

            removed.Clear();
            added.Clear();
        }

        foreach (var line in Comparison.Body)
        {
            switch (line.Kind)
            {
                case DiffKind.Removed: removed.Add(line); break;
                case DiffKind.Added: added.Add(line); break;
                default: Flush(); rows.Add((line, line)); break;
            }
        }

        Flush();
        Rows = rows;
        return Page();
    }

    public string Name(int version) => version == 0 ? "" : "v" + version;
}
