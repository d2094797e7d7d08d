using System.Text;
using Hotline.Knowledge.Domain;
using Hotline.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Hotline.Knowledge.Persistence;

/// <summary>
/// The knowledge module's store: <c>data/&lt;node&gt;/knowledge.db</c> or PostgreSQL schema <c>knowledge</c>. Names are
/// snake_case on both engines; instants are UTC Unix milliseconds so they sort the same everywhere.
/// </summary>
internal sealed class KnowledgeDbContext(DbContextOptions<KnowledgeDbContext> options) : DbContext(options)
{
    public const string Module = "knowledge";

    public DbSet<Library> Libraries => Set<Library>();

    public DbSet<Article> Articles => Set<Article>();

    public DbSet<ArticleVersion> Versions => Set<ArticleVersion>();

    public DbSet<ArticleEvent> Events => Set<ArticleEvent>();

    public DbSet<SynonymGroup> Synonyms => Set<SynonymGroup>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.UseModuleSchema(Database, Module);
        modelBuilder.Entity<Library>(e =>
        {
            e.ToTable("libraries");
            e.HasKey(l => l.Code);
        });
        modelBuilder.Entity<Article>(e =>
        {
            e.ToTable("articles");
            e.HasIndex(a => new { a.Library, a.Code }).IsUnique();
            e.HasIndex(a => a.Status);
            e.Property(a => a.Revision).IsConcurrencyToken();
            e.Ignore(a => a.KeywordList);
        });
        modelBuilder.Entity<ArticleVersion>(e =>
        {
            e.ToTable("article_versions");
            e.HasIndex(v => new { v.ArticleId, v.Number }).IsUnique();
        });
        modelBuilder.Entity<ArticleEvent>(e =>
        {
            e.ToTable("article_events");
            e.HasIndex(v => new { v.ArticleId, v.Id });
        });
        modelBuilder.Entity<SynonymGroup>(e =>
        {
            e.ToTable("synonyms");
            e.Ignore(s => s.TermList);
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    private static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}
