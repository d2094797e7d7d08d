using Hotline.Knowledge.Articles.Editing;
using Hotline.Knowledge.Articles.Reading;
using Hotline.Knowledge.Content;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Knowledge.Pages.Staff.Knowledge;

/// <summary>The fields of an article's form.</summary>
internal sealed class ArticleForm
{
    public string? Code { get; set; }
    public string? Title { get; set; }
    public string? Body { get; set; }
    public string? Category { get; set; }
    public string? Region { get; set; }
    public DateOnly? ValidFrom { get; set; }
    public DateOnly? ValidTo { get; set; }
    public string? Keywords { get; set; }
    public string? Enterprise { get; set; }
    public string? Route { get; set; }
    public int? Revision { get; set; }

    public ArticleInput Input() => new(Code, Title, Body, Category, Region, ValidFrom, ValidTo, Article.Split(Keywords), Enterprise, Route);

    public static ArticleForm Of(Article a) => new()
    {
        Code = a.Code, Title = a.Title, Body = a.Body, Category = a.Category, Region = a.Region, ValidFrom = a.ValidFrom, ValidTo = a.ValidTo,
        Keywords = a.Keywords.Replace(",", ", ", StringComparison.Ordinal), Enterprise = a.Enterprise, Route = a.Route, Revision = a.Revision,
    };
}

/// <summary>Writing: a new draft in a library, or the working copy of an article the editor has checked out.</summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal sealed class EditModel(KnowledgeReader reader, ArticleEditor editor, MarkdownRenderer markdown) : KnowledgePage
{
    [BindProperty] public ArticleForm Form { get; set; } = new();

    public long? Id { get; private set; }
    public string Library { get; private set; } = "";
    public string? Preview { get; private set; }
    public string? LockProblem { get; private set; }

    public async Task<IActionResult> OnGetAsync(long? id, string? library, CancellationToken ct)
    {
        if (id is { } existing)
        {
            var view = await reader.GetAsync(existing, Actor, ct);
            if (!view.IsSuccess)
            {
                return NotFound();
            }

            Id = existing;
            Library = view.Value.Article.Library;
            Form = ArticleForm.Of(view.Value.Article);
            if (ArticleEditor.LockProblem(view.Value.Article, Actor) is { } problem)
            {
                Fail(problem);
            }
        }
        else
        {
            Library = library ?? "faq";
        }

        Preview = markdown.ToHtml(Form.Body);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id, string? library, string? preview, CancellationToken ct)
    {
        Id = id;
        Library = library ?? "faq";
        Preview = markdown.ToHtml(Form.Body);
        if (preview is not null)
        {
            return Page();
        }

        var result = id is { } existing
            ? await editor.SaveAsync(existing, Form.Input(), Form.Revision, Actor, ct)
            : await editor.CreateAsync(Library, Form.Input(), Actor, ct);
        if (result.IsSuccess)
        {
            return Redirect($"~/staff/knowledge/articles/{result.Value.Id}?done=true");
        }

        Fail(result.Error!);
        return Page();
    }
}
