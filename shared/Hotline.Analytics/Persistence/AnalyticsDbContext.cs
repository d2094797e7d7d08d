using Hotline.ServiceDefaults;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Analytics.Persistence;

/// <summary>
/// One cell of a day's aggregate (日汇总): the cases of one city accepted on one China date with the same type, category,
/// channel, enterprise and current status, and what became of them. Empty dimensions are stored as "" (part of the key).
/// </summary>
internal sealed class RollupCell
{
    public string Node { get; set; } = "";
    public string Province { get; set; } = "";
    /// <summary>yyyy-MM-dd, China time.</summary>
    public string Day { get; set; } = "";
    public string Type { get; set; } = "";
    public string Category { get; set; } = "";
    public string CategoryName { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Enterprise { get; set; } = "";
    public string Status { get; set; } = "";
    public long Cases { get; set; }
    public long Closed { get; set; }
    /// <summary>Closed cases that had a deadline (the base of the on-time rate).</summary>
    public long ClosedWithDeadline { get; set; }
    /// <summary>限时办结: closed no later than the deadline.</summary>
    public long OnTime { get; set; }
    /// <summary>回访: a satisfaction was recorded.</summary>
    public long Visited { get; set; }
    public long Satisfied { get; set; }
    public long Basic { get; set; }
    public long Dissatisfied { get; set; }
    public long Inquiries { get; set; }
    /// <summary>即时答复: inquiries closed within <see cref="CaseFactRow.ImmediateMinutes"/> of acceptance.</summary>
    public long ImmediateInquiries { get; set; }
}

/// <summary>The city's own copy of each case's statistical facts (no personal data), from which its days are rolled up.</summary>
internal sealed class CaseFactRow
{
    public const int ImmediateMinutes = 30;

    public string CaseNumber { get; set; } = "";
    public string Day { get; set; } = "";
    public string Type { get; set; } = "";
    public string Category { get; set; } = "";
    public string CategoryName { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Enterprise { get; set; } = "";
    public string Status { get; set; } = "";
    public string Title { get; set; } = "";
    public long AcceptedAt { get; set; }
    public int IsClosed { get; set; }
    public int HasDeadline { get; set; }
    public int IsOnTime { get; set; }
    public string Satisfaction { get; set; } = "";
    public int IsInquiry { get; set; }
    public int IsImmediate { get; set; }
}

/// <summary>A (node, day) whose cells are stored here: its version (newest wins), the node's name and province.</summary>
internal sealed class RollupDay
{
    public string Node { get; set; } = "";
    public string Day { get; set; } = "";
    public string NodeName { get; set; } = "";
    public string Province { get; set; } = "";
    public long Version { get; set; }
    public long UpdatedAt { get; set; }
    /// <summary>1 while the day still has to be sent to the parent node.</summary>
    public int Pending { get; set; }
}

/// <summary>How far the city has read the case feed.</summary>
internal sealed class AnalyticsCursor
{
    public string Name { get; set; } = "";
    public long Position { get; set; }
}

/// <summary>The analytics store of a node: SQLite <c>data/&lt;node&gt;/analytics.db</c> or PostgreSQL schema <c>analytics</c>.</summary>
internal sealed class AnalyticsDbContext(DbContextOptions<AnalyticsDbContext> options) : DbContext(options)
{
    public const string Module = "analytics";

    public DbSet<RollupCell> Cells => Set<RollupCell>();
    public DbSet<CaseFactRow> Facts => Set<CaseFactRow>();
    public DbSet<RollupDay> Days => Set<RollupDay>();
    public DbSet<AnalyticsCursor> Cursors => Set<AnalyticsCursor>();

    public bool IsPostgres => Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true;

    /// <summary>"analytics." on PostgreSQL, "" on SQLite: the prefix of table names in raw SQL.</summary>
    public string Prefix => IsPostgres ? Module + "." : "";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.UseModuleSchema(Database, Module);
        modelBuilder.Entity<RollupCell>(e =>
        {
            e.ToTable("daily_rollups");
            e.HasKey(c => new { c.Node, c.Day, c.Type, c.Category, c.Channel, c.Enterprise, c.Status });
            e.HasIndex(c => new { c.Day, c.Node });
        });
        modelBuilder.Entity<CaseFactRow>(e =>
        {
            e.ToTable("case_facts");
            e.HasKey(f => f.CaseNumber);
            e.HasIndex(f => f.Day);
        });
        modelBuilder.Entity<RollupDay>(e =>
        {
            e.ToTable("rollup_days");
            e.HasKey(d => new { d.Node, d.Day });
            e.HasIndex(d => d.Pending);
        });
        modelBuilder.Entity<AnalyticsCursor>(e =>
        {
            e.ToTable("analytics_cursors");
            e.HasKey(c => c.Name);
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    internal static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
