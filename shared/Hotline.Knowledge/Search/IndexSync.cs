using Hotline.Knowledge.Content;
using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Search;

/// <summary>Keeps the index in line with the database: one article after a change, everything at start-up.</summary>
internal sealed class IndexSync(KnowledgeIndex index, MarkdownRenderer markdown)
{
    public KnowledgeIndex Index => index;

    public async Task SyncAsync(KnowledgeDbContext db, long articleId, CancellationToken ct)
    {
        var article = await db.Articles.AsNoTracking().FirstOrDefaultAsync(a => a.Id == articleId, ct);
        if (article is not { Online: true, LiveVersion: { } number })
        {
            index.Remove(articleId);
            return;
        }

        var version = await db.Versions.AsNoTracking().FirstAsync(v => v.ArticleId == articleId && v.Number == number, ct);
        index.Put(ToIndexed(article, version));
    }

    public async Task ReloadSynonymsAsync(KnowledgeDbContext db, CancellationToken ct) =>
        index.Synonyms = new SynonymSet((await db.Synonyms.AsNoTracking().ToListAsync(ct)).Select(s => s.TermList));

    /// <summary>Rebuilds the whole index from the online versions; returns how many articles it holds.</summary>
    public async Task<int> RebuildAsync(KnowledgeDbContext db, CancellationToken ct)
    {
        await ReloadSynonymsAsync(db, ct);
        var rows = new List<IndexedArticle>();
        long last = 0;
        while (true)
        {
            var batch = await db.Articles.AsNoTracking()
                .Where(a => a.Id > last && a.Online && a.LiveVersion != null)
                .OrderBy(a => a.Id)
                .Take(2000)
                .Join(db.Versions.AsNoTracking(), a => new { A = a.Id, N = a.LiveVersion!.Value }, v => new { A = v.ArticleId, N = v.Number },
                    (a, v) => new { Article = a, Version = v })
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }

            rows.AddRange(batch.Select(x => ToIndexed(x.Article, x.Version)));
            last = batch[^1].Article.Id;
        }

        return index.Rebuild(rows);
    }

    internal IndexedArticle ToIndexed(Article article, ArticleVersion version) => new(
        article.Id,
        article.Library,
        article.Code,
        version.Title,
        markdown.ToPlainText(version.Body),
        version.Category,
        version.Region,
        version.ValidFrom,
        version.ValidTo,
        Article.Split(version.Keywords),
        version.Enterprise,
        version.Route,
        version.Number,
        article.Uses);
}
