using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Persistence;
using Hotline.Knowledge.Search;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Articles;

/// <summary>
/// What every article use case shares: loading with the caller's rights, recording the audit trail, committing in
/// one transaction (optimistic concurrency on <see cref="Article.Revision"/>) and then bringing the search index in line.
/// </summary>
internal sealed class ArticleStore(KnowledgeDbContext db, IndexSync index, TimeProvider clock)
{
    public KnowledgeDbContext Db => db;

    public DateTimeOffset Now => clock.GetUtcNow();

    public async Task<Result<(Article Article, Library Library)>> LoadAsync(long id, CancellationToken ct)
    {
        var article = await db.Articles.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (article is null)
        {
            return Error.NotFound("knowledge.article", $"Article {id} does not exist.");
        }

        var library = await db.Libraries.AsNoTracking().FirstAsync(l => l.Code == article.Library, ct);
        return (article, library);
    }

    /// <summary>Loads an article the actor may edit.</summary>
    public async Task<Result<(Article Article, Library Library)>> LoadForEditAsync(long id, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await LoadAsync(id, ct);
        if (!loaded.IsSuccess)
        {
            return loaded;
        }

        if (!actor.CanEdit(loaded.Value.Library.EditRoles))
        {
            return Error.Forbidden("knowledge.edit", $"You may not edit articles of the library '{loaded.Value.Library.Code}'.");
        }

        return loaded;
    }

    public void Record(Article article, KnowledgeActor actor, string kind, ArticleStatus? from = null, ArticleStatus? to = null,
        string? comment = null, int? version = null) =>
        db.Events.Add(new ArticleEvent
        {
            ArticleId = article.Id,
            At = Now,
            Actor = actor.Id,
            Kind = kind,
            FromStatus = from,
            ToStatus = to,
            Comment = comment,
            Version = version,
        });

    /// <summary>Moves the article, records the transition and bumps its revision (the caller commits).</summary>
    public Result<ArticleStatus> Move(Article article, ArticleMove move, KnowledgeActor actor, string kind, string? comment = null, int? version = null)
    {
        var next = ArticleLifecycle.Next(article.Status, move);
        if (!next.IsSuccess)
        {
            return next;
        }

        var from = article.Status;
        article.Status = next.Value;
        Touch(article);
        Record(article, actor, kind, from, next.Value, comment, version);
        return next;
    }

    public void Touch(Article article)
    {
        article.UpdatedAt = Now;
        article.Revision++;
    }

    /// <summary>Publishes the working copy as the next version.</summary>
    public async Task<int> GoLiveAsync(Article article, string approvedBy, CancellationToken ct)
    {
        var number = (await db.Versions.Where(v => v.ArticleId == article.Id).MaxAsync(v => (int?)v.Number, ct) ?? 0) + 1;
        db.Versions.Add(ArticleVersion.Of(article, number, Now, approvedBy));
        article.LiveVersion = number;
        article.Online = true;
        article.PublishAt = null;
        return number;
    }

    /// <summary>Brings the index in line with the article after a commit made elsewhere.</summary>
    public Task SyncAsync(long articleId, CancellationToken ct) => index.SyncAsync(db, articleId, ct);

    /// <summary>Saves everything as one transaction, then updates the index for the article.</summary>
    public async Task<Result<Unit>> CommitAsync(Article article, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return Error.Conflict("knowledge.concurrency", $"Article {article.Code} was changed by someone else meanwhile; reload it and try again.");
        }

        await index.SyncAsync(db, article.Id, ct);
        return Result.Ok();
    }
}
