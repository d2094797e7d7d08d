using Hotline.Knowledge.Articles.Editing;
using Hotline.Knowledge.Content;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Articles.Versions;

/// <summary>A field that differs between two versions.</summary>
internal sealed record FieldChange(string Field, string? Old, string? New);

/// <summary>Two versions side by side: changed fields and the body line by line. Version 0 stands for the working copy.</summary>
internal sealed record VersionComparison(long ArticleId, string Code, int From, int To, ArticleContent Old, ArticleContent New,
    IReadOnlyList<FieldChange> Fields, IReadOnlyList<DiffLine> Body);

/// <summary>Versions: every publication, viewed, compared side by side and restored into the working copy.</summary>
internal sealed class ArticleHistory(ArticleStore store)
{
    public async Task<IReadOnlyList<ArticleVersion>> ListAsync(long id, CancellationToken ct) =>
        await store.Db.Versions.AsNoTracking().Where(v => v.ArticleId == id).OrderByDescending(v => v.Number).ToListAsync(ct);

    public async Task<Result<ArticleVersion>> GetAsync(long id, int number, CancellationToken ct) =>
        await store.Db.Versions.AsNoTracking().FirstOrDefaultAsync(v => v.ArticleId == id && v.Number == number, ct) is { } v
            ? v
            : Error.NotFound("knowledge.version", $"Article {id} has no version {number}.");

    public async Task<IReadOnlyList<ArticleEvent>> EventsAsync(long id, CancellationToken ct) =>
        await store.Db.Events.AsNoTracking().Where(e => e.ArticleId == id).OrderBy(e => e.Id).ToListAsync(ct);

    public async Task<Result<VersionComparison>> CompareAsync(long id, int from, int to, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(id, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var older = await ContentAsync(loaded.Value.Article, from, ct);
        if (!older.IsSuccess)
        {
            return older.Error!;
        }

        var newer = await ContentAsync(loaded.Value.Article, to, ct);
        if (!newer.IsSuccess)
        {
            return newer.Error!;
        }

        var a = older.Value;
        var b = newer.Value;
        var fields = new List<FieldChange>();
        void Field(string name, string? x, string? y)
        {
            if (!string.Equals(x, y, StringComparison.Ordinal))
            {
                fields.Add(new FieldChange(name, x, y));
            }
        }

        Field("title", a.Title, b.Title);
        Field("category", a.Category, b.Category);
        Field("region", a.Region, b.Region);
        Field("validFrom", a.ValidFrom?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), b.ValidFrom?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Field("validTo", a.ValidTo?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), b.ValidTo?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Field("keywords", string.Join(",", a.Keywords), string.Join(",", b.Keywords));
        Field("enterprise", a.Enterprise, b.Enterprise);
        Field("route", a.Route, b.Route);
        return new VersionComparison(id, loaded.Value.Article.Code, from, to, a, b, fields, LineDiff.Compare(a.Body, b.Body));
    }

    /// <summary>Copies version <paramref name="number"/> into the working copy (a draft to review again); needs the lock.</summary>
    public async Task<Result<Article>> RestoreAsync(long id, int number, KnowledgeActor actor, CancellationToken ct)
    {
        var loaded = await store.LoadForEditAsync(id, actor, ct);
        if (!loaded.IsSuccess)
        {
            return loaded.Error!;
        }

        var article = loaded.Value.Article;
        if (ArticleEditor.LockProblem(article, actor) is { } problem)
        {
            return problem;
        }

        var version = await GetAsync(id, number, ct);
        if (!version.IsSuccess)
        {
            return version.Error!;
        }

        var moved = store.Move(article, ArticleMove.Restore, actor, "restored", $"version {number}", number);
        if (!moved.IsSuccess)
        {
            return moved.Error!;
        }

        article.Apply(version.Value.Content());
        var done = await store.CommitAsync(article, ct);
        return done.IsSuccess ? article : done.Error!;
    }

    private async Task<Result<ArticleContent>> ContentAsync(Article article, int number, CancellationToken ct)
    {
        if (number == 0)
        {
            return article.Content();
        }

        var version = await GetAsync(article.Id, number, ct);
        return version.IsSuccess ? version.Value.Content() : version.Error!;
    }
}
