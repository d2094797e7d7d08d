using Hotline.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Directory.Persistence;

/// <summary>The directory's store (<c>data/&lt;node&gt;/directory.db</c>, or schema <c>directory</c> on PostgreSQL).</summary>
internal sealed class DirectoryDbContext(DbContextOptions<DirectoryDbContext> options) : DbContext(options)
{
    public const string Module = "directory";

    public DbSet<DirectoryEntry> Nodes => Set<DirectoryEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.UseModuleSchema(Database, Module);
        modelBuilder.Entity<DirectoryEntry>(e =>
        {
            e.ToTable("nodes");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(6);
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Tier).HasMaxLength(16);
            e.Property(x => x.Parent).HasMaxLength(6);
            e.Property(x => x.PublicUrl).HasMaxLength(300);
            e.Property(x => x.SipUdp).HasMaxLength(100);
            e.Property(x => x.SipTcp).HasMaxLength(100);
            e.Property(x => x.SipHotline).HasMaxLength(20);
            e.Property(x => x.GrpcUrl).HasMaxLength(300);
            e.Property(x => x.Version).HasMaxLength(100);
            e.Property(x => x.ReportedBy).HasMaxLength(6);
            e.HasIndex(x => x.Parent);
        });
    }
}

/// <summary>A node's last heartbeat. Times are Unix milliseconds so SQLite and PostgreSQL compare them alike.</summary>
internal sealed class DirectoryEntry
{
    public string Id { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string Tier { get; set; } = string.Empty;

    public string? Parent { get; set; }

    public string? PublicUrl { get; set; }

    public string? SipUdp { get; set; }

    public string? SipTcp { get; set; }

    public string? SipHotline { get; set; }

    /// <summary>The node's h2c address for 上级调阅 (added after the first release: an upgraded store gets the column at start).</summary>
    public string? GrpcUrl { get; set; }

    public string Version { get; set; } = string.Empty;

    public long SentAtMs { get; set; }

    public long LastSeenMs { get; set; }

    /// <summary>The neighbour that delivered the beat (the node itself, or the province relaying it).</summary>
    public string? ReportedBy { get; set; }
}

/// <summary>
/// Creates the directory tables before the node reports ready, then brings a store made by an earlier release up to
/// the model (<see cref="DirectorySchemaUpgrade"/>).
/// </summary>
internal sealed class DirectorySchemaTask(IServiceScopeFactory scopes) : IStartupTask
{
    public string Name => "directory: create schema";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DirectoryDbContext>();
        await db.EnsureModuleSchemaAsync(cancellationToken);
        await DirectorySchemaUpgrade.AddMissingColumnsAsync(db, cancellationToken);
    }
}
