using Hotline.Knowledge.Articles;
using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Persistence;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Knowledge.Search;

/// <summary>The synonym groups as data editors extend; a change takes effect in the next search.</summary>
internal sealed class SynonymEditor(KnowledgeDbContext db, IndexSync index)
{
    public async Task<IReadOnlyList<SynonymGroup>> ListAsync(CancellationToken ct) =>
        await db.Synonyms.AsNoTracking().OrderBy(s => s.Id).ToListAsync(ct);

    /// <summary>Replaces every group by <paramref name="groups"/> (each "word, word, …").</summary>
    public async Task<Result<int>> ReplaceAsync(IReadOnlyList<string>? groups, KnowledgeActor actor, CancellationToken ct)
    {
        if (!actor.CanEdit(null))
        {
            return Error.Forbidden("knowledge.synonyms", "Only editors and administrators change the synonyms.");
        }

        var cleaned = new List<string>();
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < (groups ?? []).Count; i++)
        {
            var terms = Article.Split(groups![i]).Distinct(StringComparer.Ordinal).ToArray();
            if (terms.Length == 0)
            {
                continue;
            }

            if (terms.Length == 1)
            {
                errors[$"groups[{i}]"] = [$"'{terms[0]}' alone is no group: give at least two words separated by commas."];
            }
            else if (terms.Any(t => t.Length > 40))
            {
                errors[$"groups[{i}]"] = ["A word has more than 40 characters."];
            }

            cleaned.Add(string.Join(",", terms));
        }

        if (errors.Count > 0)
        {
            return Error.Validation(errors);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Synonyms.ExecuteDeleteAsync(ct);
        db.Synonyms.AddRange(cleaned.Select(t => new SynonymGroup { Terms = t }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await index.ReloadSynonymsAsync(db, ct);
        return cleaned.Count;
    }
}
