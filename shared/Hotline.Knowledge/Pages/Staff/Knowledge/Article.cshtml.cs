using Hotline.Knowledge.Articles.Editing;
using Hotline.Knowledge.Articles.Reading;
using Hotline.Knowledge.Articles.Review;
using Hotline.Knowledge.Articles.Versions;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Knowledge.Pages.Staff.Knowledge;

/// <summary>One article: the online version and the working copy, the workflow and lock actions the reader may take, versions and the audit trail.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class ArticleModel(KnowledgeReader reader, ArticleEditor editor, ArticleReview review, ArticleHistory history) : KnowledgePage
{
    public ArticleView? View { get; private set; }
    public IReadOnlyList<ArticleVersion> Versions { get; private set; } = [];
    public IReadOnlyList<ArticleEvent> Events { get; private set; } = [];

    [BindProperty(SupportsGet = true)] public bool Done { get; set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        return View is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync(long id, string act, string? comment, string? publishAt, string? expireAt, int? version, CancellationToken ct)
    {
        var result = act switch
        {
            "checkout" => await editor.CheckOutAsync(id, Actor, ct),
            "checkin" => await editor.CheckInAsync(id, Actor, ct),
            "breaklock" => await editor.BreakLockAsync(id, comment, Actor, ct),
            "submit" => await review.SubmitAsync(id, comment, Actor, ct),
            "approve" => await review.ApproveAsync(id, ChinaTime(publishAt), ChinaTime(expireAt), comment, Actor, ct),
            "sendback" => await review.SendBackAsync(id, comment, Actor, ct),
            "expire" => await review.ExpireAsync(id, comment, Actor, ct),
            "archive" => await review.ArchiveAsync(id, comment, Actor, ct),
            "reopen" => await review.ReopenAsync(id, Actor, ct),
            "restore" when version is { } n => await history.RestoreAsync(id, n, Actor, ct),
            _ => Error.Invalid("knowledge.action", $"Unknown action '{act}'."),
        };
        if (result.IsSuccess)
        {
            return act == "checkout" ? Redirect($"~/staff/knowledge/edit/{id}") : RedirectToPage(new { id, done = true });
        }

        Fail(result.Error!);
        await LoadAsync(id, ct);
        return View is null ? NotFound() : Page();
    }

    private async Task LoadAsync(long id, CancellationToken ct)
    {
        var view = await reader.GetAsync(id, Actor, ct);
        View = view.IsSuccess ? view.Value : null;
        if (View is not null)
        {
            Versions = await history.ListAsync(id, ct);
            Events = await history.EventsAsync(id, ct);
        }
    }
}
