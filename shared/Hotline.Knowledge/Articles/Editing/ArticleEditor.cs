using System.Text.RegularExpressions;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Articles.Editing;

/// <summary>What an editor submits for a new article or a change.</summary>
internal sealed record ArticleInput(
    string? Code,
    string? Title,
    string? Body,
    string? Category,
    string? Region,
    DateOnly? ValidFrom,
    DateOnly? ValidTo,
    IReadOnlyList<string>? Keywords,
    string? Enterprise,
    string? Route);

/// <summary>Writing articles: create, save (only by whoever checked it out), check out, check in, break a lock.</summary>
internal sealed partial class ArticleEditor(ArticleStore store)
{
    public const int MaxTitle = 200;
    public const int MaxBody = 200_000;

    public async Task<Result<Article>> CreateAsync(string libraryCode, ArticleInput input, KnowledgeActor actor, CancellationToken ct)
    {
        var library = await store.Db.Libraries.AsNoTracking().FirstOrDefaultAsync(l => l.Code == libraryCode, ct);
        if (library is null)
        {
            return Error.NotFound("knowledge.library", $"Library '{libraryCode}' does not exist.");
        }

        if (!actor.CanEdit(library.EditRoles))
        {
            return Error.Forbidden("knowledge.edit", $"You may not edit articles of the library '{library.Code}'.");
        }

        var errors = Validate(input, requireCode: true);
        if (errors.Count > 0)
        {
            return Error.Validation(errors);
        }

        var code = input.Code!.Trim();
        if (await store.Db.Articles.AnyAsync(a => a.Library == library.Code && a.Code == code, ct))
        {
            return Error.Conflict("knowledge.code", $"The library '{library.Code}' already has an article with the code '{code}'.");
        }

        var article = new Article
        {
            Library = library.Code,
            Code = code,
            Status = ArticleStatus.Draft,
            Owner = actor.Id,
            CreatedAt = store.Now,
            UpdatedAt = store.Now,
        };
        article.Apply(Content(input));
        await using (var tx = await store.Db.Database.BeginTransactionAsync(ct))
        {
            store.Db.Articles.Add(article);
            await store.Db.SaveChangesAsync(ct);
            store.Record(article, actor, "created", null, ArticleStatus.Draft);
            await store.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        return article;
    }

    public async Task<Result<Article>> SaveAsync(long id, ArticleInput input, int? expectedRevision, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await store.LoadForEditAsync(id, actor, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (LockProblem(article, actor) is { } problem)
        {
            return problem;
        }

        if (expectedRevision is { } rev && rev != article.Revision)
        {
            return Error.Conflict("knowledge.concurrency", $"Article {article.Code} changed since you opened it (revision {rev}, now {article.Revision}); reload it.");
        }

        var errors = Validate(input, requireCode: false);
        if (errors.Count > 0)
        {
            return Error.Validation(errors);
        }

        var moved = store.Move(article, ArticleMove.Save, actor, "saved");
        if (!moved.IsSuccess)
        {
            return moved.Error!;
        }

        article.Apply(Content(input));
        var done = await store.CommitAsync(article, ct);
        return done.IsSuccess ? article : done.Error!;
    }

    public async Task<Result<Article>> CheckOutAsync(long id, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await store.LoadForEditAsync(id, actor, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (article.LockedBy == actor.Id)
        {
            return article;
        }

        if (article.LockedBy is not null)
        {
            return Held(article);
        }

        if (article.Status is ArticleStatus.InReview or ArticleStatus.Scheduled or ArticleStatus.Archived)
        {
            return Error.Conflict("knowledge.transition",
                $"An article that is {ArticleLifecycle.Name(article.Status)} cannot be checked out for editing.");
        }

        article.LockedBy = actor.Id;
        article.LockedAt = store.Now;
        store.Touch(article);
        store.Record(article, actor, "checkedOut");
        var done = await store.CommitAsync(article, ct);
        return done.IsSuccess ? article : done.Error!;
    }

    public async Task<Result<Article>> CheckInAsync(long id, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await store.LoadForEditAsync(id, actor, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (article.LockedBy is null)
        {
            return article;
        }

        if (article.LockedBy != actor.Id)
        {
            return Held(article);
        }

        article.LockedBy = null;
        article.LockedAt = null;
        store.Touch(article);
        store.Record(article, actor, "checkedIn");
        var done = await store.CommitAsync(article, ct);
        return done.IsSuccess ? article : done.Error!;
    }

    /// <summary>An administrator frees an article someone left checked out; the holder and the reason are recorded.</summary>
    public async Task<Result<Article>> BreakLockAsync(long id, string? reason, KnowledgeActor actor, CancellationToken ct)
    {
        if (!actor.IsAdmin)
        {
            return Error.Forbidden("knowledge.lock", "Only an administrator may break another editor's lock.");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["reason"] = ["Say why the lock is broken (it is recorded)."] });
        }

        var loaded = await store.LoadAsync(id, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (article.LockedBy is null)
        {
            return Error.Conflict("knowledge.lock", $"Article {article.Code} is not checked out.");
        }

        var holder = article.LockedBy;
        article.LockedBy = null;
        article.LockedAt = null;
        store.Touch(article);
        store.Record(article, actor, "lockBroken", comment: $"{holder}: {reason.Trim()}");
        var done = await store.CommitAsync(article, ct);
        return done.IsSuccess ? article : done.Error!;
    }

    /// <summary>Why the actor may not change the article's content now (not checked out by them), or null.</summary>
    internal static Error? LockProblem(Article article, KnowledgeActor actor)
    {
        if (article.LockedBy == actor.Id)
        {
            return null;
        }

        return article.LockedBy is null
            ? Error.Conflict("knowledge.lock", $"Check article {article.Code} out before editing it.")
            : Held(article);
    }

    internal static Error Held(Article article) =>
        Error.Conflict("knowledge.lock",
            $"Article {article.Code} is checked out by {article.LockedBy} since {article.LockedAt:yyyy-MM-dd HH:mm} UTC; it can be read but not edited until it is checked in or an administrator breaks the lock.");

    internal static ArticleContent Content(ArticleInput input) => new(
        input.Title!.Trim(),
        (input.Body ?? "").Replace("\r\n", "\n", StringComparison.Ordinal),
        Blank(input.Category),
        Blank(input.Region),
        input.ValidFrom,
        input.ValidTo,
        [.. (input.Keywords ?? []).SelectMany(k => Article.Split(k)).Distinct(StringComparer.Ordinal)],
        Blank(input.Enterprise),
        Blank(input.Route));

    internal static Dictionary<string, string[]> Validate(ArticleInput input, bool requireCode)
    {
        var errors = new Dictionary<string, string[]>();
        if (requireCode && (string.IsNullOrWhiteSpace(input.Code) || !CodePattern().IsMatch(input.Code.Trim())))
        {
            errors["code"] = ["An article code of 1–40 letters, digits, '-', '_' or '.' is required (e.g. FAQ-TAXI-001)."];
        }

        if (string.IsNullOrWhiteSpace(input.Title))
        {
            errors["title"] = ["A title is required."];
        }
        else if (input.Title.Trim().Length > MaxTitle)
        {
            errors["title"] = [$"The title has {input.Title.Trim().Length} characters; at most {MaxTitle}."];
        }

        if ((input.Body ?? "").Length > MaxBody)
        {
            errors["body"] = [$"The body has {input.Body!.Length} characters; at most {MaxBody}."];
        }

        if (Blank(input.Category) is { } category && !CategoryPattern().IsMatch(category))
        {
            errors["category"] = [$"Category '{category}' is not a category code of 2–12 digits."];
        }

        if (Blank(input.Region) is { } region && !RegionPattern().IsMatch(region))
        {
            errors["region"] = [$"Region '{region}' is not a 6-digit region code."];
        }

        if (input.ValidFrom is { } from && input.ValidTo is { } to && to < from)
        {
            errors["validTo"] = [$"validTo {to:yyyy-MM-dd} is before validFrom {from:yyyy-MM-dd}."];
        }

        if ((input.Keywords ?? []).Count > 30)
        {
            errors["keywords"] = ["At most 30 keywords."];
        }

        return errors;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[0-9]{2,12}$")]
    private static partial Regex CategoryPattern();

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex RegionPattern();
}
