using Hotline.Knowledge.Search;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Knowledge.Pages.Staff.Knowledge;

/// <summary>同义词维护: one group per line; used by search as soon as saved.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class SynonymsModel(SynonymEditor editor) : KnowledgePage
{
    [BindProperty] public string? Groups { get; set; }

    [BindProperty(SupportsGet = true)] public bool Done { get; set; }

    public async Task OnGetAsync(CancellationToken ct) =>
        Groups = string.Join("\n", (await editor.ListAsync(ct)).Select(g => g.Terms));

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var lines = (Groups ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = await editor.ReplaceAsync(lines, Actor, ct);
        if (result.IsSuccess)
        {
            return RedirectToPage(new { done = true });
        }

        Fail(result.Error!);
        return Page();
    }
}
