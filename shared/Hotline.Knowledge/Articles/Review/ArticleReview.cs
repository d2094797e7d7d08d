using Hotline.Knowledge.Articles.Editing;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Articles.Review;

/// <summary>
/// The maintenance workflow: submit for review, approve (now or at a scheduled time, with an optional expiry), send
/// back with a comment, expire, archive, reopen; and the scheduler's pass that publishes and expires on time.
/// </summary>
internal sealed class ArticleReview(ArticleStore store)
{
    public async Task<Result<Article>> SubmitAsync(long id, string? comment, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await store.LoadForEditAsync(id, actor, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (article.LockedBy is not null && article.LockedBy != actor.Id)
        {
            return ArticleEditor.Held(article);
        }

        var moved = store.Move(article, ArticleMove.Submit, actor, "submitted", Trim(comment));
        if (!moved.IsSuccess)
        {
            return moved.Error!;
        }

        article.SubmittedBy = actor.Id;
        article.LockedBy = null;
        article.LockedAt = null;
        return await CommitAsync(article, ct);
    }

    /// <summary>
    /// A reviewer approves: published at once as the next version, or at <paramref name="publishAt"/> when that lies
    /// ahead; <paramref name="expireAt"/> schedules its expiry. Nobody approves their own submission.
    /// </summary>
    public async Task<Result<Article>> ApproveAsync(long id, DateTimeOffset? publishAt, DateTimeOffset? expireAt, string? comment,
        KnowledgeActor actor, CancellationToken ct)
    {
        if (!actor.CanReview)
        {
            return Error.Forbidden("knowledge.review", "Only reviewers and administrators approve articles.");
        }

        var loaded = await store.LoadAsync(id, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (article.SubmittedBy == actor.Id)
        {
            return Error.Forbidden("knowledge.review", $"You submitted article {article.Code}; another reviewer must approve it.");
        }

        var goLive = publishAt is { } p && p > store.Now ? p : store.Now;
        if (expireAt is { } e && e <= goLive)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["expireAt"] = [$"The expiry {e:u} must lie after the publication {goLive:u}."] });
        }

        if (article.Status != ArticleStatus.InReview)
        {
            return ArticleLifecycle.Next(article.Status, ArticleMove.Approve).Error!;
        }

        article.ExpireAt = expireAt ?? article.ExpireAt;
        if (goLive > store.Now)
        {
            store.Record(article, actor, "scheduled", article.Status, ArticleStatus.Scheduled, Trim(comment) ?? $"{goLive:u}");
            article.Status = ArticleStatus.Scheduled;
            article.PublishAt = goLive;
            article.ApprovedBy = actor.Id;
            store.Touch(article);
            return await CommitAsync(article, ct);
        }

        var number = await store.GoLiveAsync(article, actor.Id, ct);
        article.ApprovedBy = actor.Id;
        store.Move(article, ArticleMove.Approve, actor, "published", Trim(comment), number);
        return await CommitAsync(article, ct);
    }

    public async Task<Result<Article>> SendBackAsync(long id, string? comment, KnowledgeActor actor, CancellationToken ct)
    {
        if (!actor.CanReview)
        {
            return Error.Forbidden("knowledge.review", "Only reviewers and administrators send articles back.");
        }

        if (string.IsNullOrWhiteSpace(comment))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["comment"] = ["Say what the author should change."] });
        }

        var loaded = await store.LoadAsync(id, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        var moved = store.Move(article, ArticleMove.SendBack, actor, "sentBack", comment.Trim());
        if (!moved.IsSuccess)
        {
            return moved.Error!;
        }

        article.PublishAt = null;
        return await CommitAsync(article, ct);
    }

    public Task<Result<Article>> ExpireAsync(long id, string? comment, KnowledgeActor actor, CancellationToken ct) =>
        OfflineAsync(id, ArticleMove.Expire, "expired", comment, actor, ct);

    public Task<Result<Article>> ArchiveAsync(long id, string? comment, KnowledgeActor actor, CancellationToken ct) =>
        OfflineAsync(id, ArticleMove.Archive, "archived", comment, actor, ct);

    public async Task<Result<Article>> ReopenAsync(long id, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await store.LoadForEditAsync(id, actor, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var moved = store.Move(loaded.Value.Article, ArticleMove.Reopen, actor, "reopened");
        return moved.IsSuccess ? await CommitAsync(loaded.Value.Article, ct) : moved.Error!;
    }

    /// <summary>Publishes what is due and takes offline what has expired; returns how many articles changed.</summary>
    public async Task<int> RunScheduleAsync(CancellationToken ct)
    {
        var now = store.Now;
        var changed = 0;
        var due = await store.Db.Articles.Where(a => a.Status == ArticleStatus.Scheduled).ToListAsync(ct);
        foreach (var article in due.Where(a => a.PublishAt <= now))
        {
            var number = await store.GoLiveAsync(article, article.ApprovedBy ?? KnowledgeActor.System.Id, ct);
            store.Move(article, ArticleMove.GoLive, KnowledgeActor.System, "published", "scheduled publication", number);
            changed += (await store.CommitAsync(article, ct)).IsSuccess ? 1 : 0;
        }

        var online = await store.Db.Articles.Where(a => a.Online && a.ExpireAt != null).ToListAsync(ct);
        foreach (var article in online.Where(a => a.ExpireAt <= now))
        {
            article.Online = false;
            if (article.Status == ArticleStatus.Published)
            {
                store.Move(article, ArticleMove.Expire, KnowledgeActor.System, "expired", "scheduled expiry");
            }
            else
            {
                store.Touch(article);
                store.Record(article, KnowledgeActor.System, "expired", comment: $"scheduled expiry of version {article.LiveVersion}");
            }

            changed += (await store.CommitAsync(article, ct)).IsSuccess ? 1 : 0;
        }

        return changed;
    }

    private async Task<Result<Article>> OfflineAsync(long id, ArticleMove move, string kind, string? comment, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await store.LoadForEditAsync(id, actor, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (article.LockedBy is not null && article.LockedBy != actor.Id)
        {
            return ArticleEditor.Held(article);
        }

        var moved = store.Move(article, move, actor, kind, Trim(comment));
        if (!moved.IsSuccess)
        {
            return moved.Error!;
        }

        article.Online = false;
        article.LockedBy = null;
        article.LockedAt = null;
        return await CommitAsync(article, ct);
    }

    private async Task<Result<Article>> CommitAsync(Article article, CancellationToken ct)
    {
        var done = await store.CommitAsync(article, ct);
        return done.IsSuccess ? article : done.Error!;
    }

    private static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
