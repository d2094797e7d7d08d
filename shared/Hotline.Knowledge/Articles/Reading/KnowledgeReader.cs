using Hotline.Knowledge.Content;
using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Persistence;
using Hotline.Knowledge.Search;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Articles.Reading;

/// <summary>An article for reading: the working copy (staff) and the online version, both rendered to safe HTML.</summary>
internal sealed record ArticleView(Article Article, Library Library, string Html, ArticleVersion? Live, string? LiveHtml);

/// <summary>Reading: the libraries the caller may see, one article, the review queue, search within the caller's scope.</summary>
internal sealed class KnowledgeReader(KnowledgeDbContext db, KnowledgeIndex index, MarkdownRenderer markdown, TimeProvider clock)
{
    public async Task<IReadOnlyList<Library>> LibrariesAsync(KnowledgeActor actor, CancellationToken ct) =>
        await db.Libraries.AsNoTracking().Where(l => actor.IsStaff || l.IsPublic).OrderBy(l => l.Order).ToListAsync(ct);

    public async Task<Result<ArticleView>> GetAsync(long id, KnowledgeActor actor, CancellationToken ct)
    {
        var article = await db.Articles.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        var library = article is null ? null : await db.Libraries.AsNoTracking().FirstAsync(l => l.Code == article.Library, ct);
        if (article is null || library is null || (!actor.IsStaff && (!library.IsPublic || !article.Online)))
        {
            return Error.NotFound("knowledge.article", $"Article {id} does not exist or is not published.");
        }

        var live = article.LiveVersion is { } n
            ? await db.Versions.AsNoTracking().FirstOrDefaultAsync(v => v.ArticleId == id && v.Number == n, ct)
            : null;
        return new ArticleView(article, library, markdown.ToHtml(article.Body), live, live is null ? null : markdown.ToHtml(live.Body));
    }

    public async Task<Result<ArticleView>> GetByCodeAsync(string library, string code, KnowledgeActor actor, CancellationToken ct)
    {
        var id = await db.Articles.AsNoTracking().Where(a => a.Library == library && a.Code == code).Select(a => (long?)a.Id).FirstOrDefaultAsync(ct);
        return id is { } found ? await GetAsync(found, actor, ct) : Error.NotFound("knowledge.article", $"Library '{library}' has no article '{code}'.");
    }

    /// <summary>Articles of the libraries, newest change first, optionally only one status or one library.</summary>
    public async Task<IReadOnlyList<Article>> ListAsync(string? library, ArticleStatus? status, int take, CancellationToken ct)
    {
        var q = db.Articles.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(library))
        {
            q = q.Where(a => a.Library == library);
        }

        if (status is { } s)
        {
            q = q.Where(a => a.Status == s);
        }

        return await q.OrderByDescending(a => a.UpdatedAt).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
    }

    /// <summary>Searches the libraries the caller may read (anonymous: the public ones), optionally only one.</summary>
    public async Task<Result<IReadOnlyList<KnowledgeHit>>> SearchAsync(string? q, string? library, string? category, string? region,
        string? valid, int? limit, KnowledgeActor actor, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(q))
        {
            errors["q"] = ["Give the words to search for (q)."];
        }
        else if (q.Length > 200)
        {
            errors["q"] = [$"The query has {q.Length} characters; at most 200."];
        }

        if (limit is < 1 or > 50)
        {
            errors["limit"] = [$"limit {limit} is outside 1–50."];
        }

        DateOnly? validOn = DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime);
        if (string.Equals(valid, "all", StringComparison.OrdinalIgnoreCase))
        {
            validOn = null;
        }
        else if (!string.IsNullOrWhiteSpace(valid) && !string.Equals(valid, "current", StringComparison.OrdinalIgnoreCase))
        {
            if (DateOnly.TryParseExact(valid, "yyyy-MM-dd", out var day))
            {
                validOn = day;
            }
            else
            {
                errors["valid"] = [$"valid '{valid}' is not 'current', 'all' or a date YYYY-MM-DD."];
            }
        }

        if (errors.Count > 0)
        {
            return Error.Validation(errors);
        }

        var readable = (await LibrariesAsync(actor, ct)).Select(l => l.Code).ToList();
        if (!string.IsNullOrWhiteSpace(library))
        {
            if (!readable.Contains(library))
            {
                return Error.NotFound("knowledge.library", actor.IsStaff
                    ? $"Library '{library}' does not exist."
                    : $"Library '{library}' is not public; sign in to search it.");
            }

            readable = [library];
        }

        IReadOnlyList<KnowledgeHit> hits = index.Search(new KnowledgeQuery(q!, readable, category, region, validOn, limit ?? 10));
        return Result<IReadOnlyList<KnowledgeHit>>.Success(hits);
    }

    /// <summary>An agent used the article (opened it from search, answered with it): counts for ranking.</summary>
    public async Task<Result<int>> RecordUseAsync(long id, CancellationToken ct)
    {
        var changed = await db.Articles.Where(a => a.Id == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Uses, a => a.Uses + 1), ct);
        if (changed == 0)
        {
            return Error.NotFound("knowledge.article", $"Article {id} does not exist.");
        }

        var uses = await db.Articles.AsNoTracking().Where(a => a.Id == id).Select(a => a.Uses).FirstAsync(ct);
        index.SetUses(id, uses);
        return uses;
    }
}
