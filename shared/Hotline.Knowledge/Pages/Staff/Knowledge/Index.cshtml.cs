using Hotline.Knowledge.Articles.Reading;
using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Search;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;

namespace Hotline.Knowledge.Pages.Staff.Knowledge;

/// <summary>知识库首页: search as you type (htmx), the review queue, drafts and recent changes.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class IndexModel(KnowledgeReader reader) : KnowledgePage
{
    public string? Q { get; private set; }
    public string? LibraryFilter { get; private set; }
    public string? Category { get; private set; }
    public string? Valid { get; private set; }
    public IReadOnlyList<Library> Libraries { get; private set; } = [];
    public IReadOnlyList<KnowledgeHit> Hits { get; private set; } = [];
    public IReadOnlyList<Article> Review { get; private set; } = [];
    public IReadOnlyList<Article> Drafts { get; private set; } = [];
    public IReadOnlyList<Article> Recent { get; private set; } = [];

    public async Task OnGetAsync(string? q, string? library, string? category, string? valid, CancellationToken ct)
    {
        (Q, LibraryFilter, Category, Valid) = (q, library, category, valid);
        Libraries = await reader.LibrariesAsync(Actor, ct);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var found = await reader.SearchAsync(q, Blank(library), Blank(category), null, Blank(valid), 20, Actor, ct);
            if (found.IsSuccess)
            {
                Hits = found.Value;
            }
            else
            {
                Fail(found.Error!);
            }
        }

        if (Request.Headers.ContainsKey("HX-Request"))
        {
            return;
        }

        Review = await reader.ListAsync(null, ArticleStatus.InReview, 50, ct);
        Drafts = await reader.ListAsync(null, ArticleStatus.Draft, 50, ct);
        Recent = await reader.ListAsync(null, null, 15, ct);
    }

    public bool IsFragment => Request.Headers.ContainsKey("HX-Request");

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
