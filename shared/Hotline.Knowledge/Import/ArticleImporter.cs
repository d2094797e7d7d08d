using Hotline.Knowledge.Articles;
using Hotline.Knowledge.Articles.Editing;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Import;

/// <summary>One article to import (JSON body of the import API, or a row/section of a .docx, .xlsx or Markdown file).</summary>
internal sealed record ImportArticle(string? Code, string? Title, string? Body, string? Category, IReadOnlyList<string>? Keywords,
    string? Region = null, DateOnly? ValidFrom = null, DateOnly? ValidTo = null);

/// <summary>A refused row: its position and why.</summary>
internal sealed record ImportRefusal(int Index, string Reason);

/// <summary>What an import did: <c>imported</c> counts new and changed articles, <c>unchanged</c> those already as given.</summary>
internal sealed record ImportOutcome(int Imported, int Unchanged, IReadOnlyList<ImportRefusal> Refused);

/// <summary>
/// Imports articles into a library, idempotent by code: a new code creates the article, a known one updates it (unless
/// someone has it checked out), an identical one is left alone. With <c>publish</c> each imported article goes online
/// as its next version (the importing editor approves). Good rows are stored together in one transaction; a refused
/// row stores nothing and is reported with its reason.
/// </summary>
internal sealed class ArticleImporter(ArticleStore store)
{
    public async Task<Result<ImportOutcome>> ImportAsync(string? libraryCode, bool publish, IReadOnlyList<ImportArticle>? articles,
        KnowledgeActor actor, int maxArticles, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(libraryCode))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["library"] = ["The library code is required (e.g. faq)."] });
        }

        var library = await store.Db.Libraries.AsNoTracking().FirstOrDefaultAsync(l => l.Code == libraryCode, ct);
        if (library is null)
        {
            return Error.NotFound("knowledge.library", $"Library '{libraryCode}' does not exist.");
        }

        if (!actor.CanEdit(library.EditRoles))
        {
            return Error.Forbidden("knowledge.edit", $"You may not import into the library '{library.Code}'.");
        }

        if (articles is null || articles.Count == 0)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["articles"] = ["Give at least one article."] });
        }

        if (articles.Count > maxArticles)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["articles"] = [$"{articles.Count} articles; at most {maxArticles} per import."] });
        }

        var refused = new List<ImportRefusal>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var existing = await store.Db.Articles.Where(a => a.Library == library.Code).ToDictionaryAsync(a => a.Code, StringComparer.Ordinal, ct);
        var touched = new List<(Article Article, bool IsNew)>();
        var unchanged = 0;
        for (var i = 0; i < articles.Count; i++)
        {
            var row = articles[i];
            var input = new ArticleInput(row.Code, row.Title, row.Body, row.Category, row.Region, row.ValidFrom, row.ValidTo, row.Keywords, null, null);
            var errors = ArticleEditor.Validate(input, requireCode: true);
            if (errors.Count > 0)
            {
                refused.Add(new ImportRefusal(i, string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))));
                continue;
            }

            var code = row.Code!.Trim();
            if (!codes.Add(code))
            {
                refused.Add(new ImportRefusal(i, $"code: '{code}' appears more than once in this import."));
                continue;
            }

            var content = ArticleEditor.Content(input);
            if (existing.TryGetValue(code, out var article))
            {
                if (article.LockedBy is not null && article.LockedBy != actor.Id)
                {
                    refused.Add(new ImportRefusal(i, $"code: article '{code}' is checked out by {article.LockedBy}."));
                    continue;
                }

                if (article.Status is ArticleStatus.InReview or ArticleStatus.Scheduled)
                {
                    refused.Add(new ImportRefusal(i, $"code: article '{code}' is {ArticleLifecycle.Name(article.Status)}; decide the review first."));
                    continue;
                }

                if (Same(article.Content(), content) && (!publish || (article.Online && article.Status == ArticleStatus.Published)))
                {
                    unchanged++;
                    continue;
                }

                var from = article.Status;
                article.Apply(content);
                article.Status = ArticleStatus.Draft;
                store.Touch(article);
                store.Record(article, actor, "imported", from, ArticleStatus.Draft);
                touched.Add((article, false));
            }
            else
            {
                var created = new Article
                {
                    Library = library.Code,
                    Code = code,
                    Status = ArticleStatus.Draft,
                    Owner = actor.Id,
                    CreatedAt = store.Now,
                    UpdatedAt = store.Now,
                };
                created.Apply(content);
                store.Db.Articles.Add(created);
                touched.Add((created, true));
            }
        }

        if (touched.Count > 0)
        {
            await using var tx = await store.Db.Database.BeginTransactionAsync(ct);
            await store.Db.SaveChangesAsync(ct);
            foreach (var (article, isNew) in touched)
            {
                if (isNew)
                {
                    store.Record(article, actor, "imported", null, ArticleStatus.Draft);
                }

                if (publish)
                {
                    var number = await store.GoLiveAsync(article, actor.Id, ct);
                    article.ApprovedBy = actor.Id;
                    store.Record(article, actor, "published", ArticleStatus.Draft, ArticleStatus.Published, "import", number);
                    article.Status = ArticleStatus.Published;
                    // Versions are numbered per article: save each so the next MAX sees it.
                    await store.Db.SaveChangesAsync(ct);
                }
            }

            await store.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            foreach (var (article, _) in touched)
            {
                await store.SyncAsync(article.Id, ct);
            }
        }

        return new ImportOutcome(touched.Count, unchanged, refused);
    }

    private static bool Same(ArticleContent a, ArticleContent b) =>
        a.Title == b.Title && a.Body == b.Body && a.Category == b.Category && a.Region == b.Region && a.ValidFrom == b.ValidFrom
        && a.ValidTo == b.ValidTo && a.Keywords.SequenceEqual(b.Keywords);
}
