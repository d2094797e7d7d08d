using Microsoft.EntityFrameworkCore;

namespace Hotline.Federation.Persistence;

/// <summary>A case reported up from a city (上报), as the province or ministry keeps it. Summary only, phone masked.</summary>
internal sealed class ReportedCase
{
    public string CaseNumber { get; set; } = string.Empty;
    public string CityNode { get; set; } = string.Empty;
    public string Type { get; set; } = string.Empty;
    public string? Category { get; set; }
    public string Channel { get; set; } = string.Empty;
    public string Title { get; set; } = string.Empty;
    public string MaskedPhone { get; set; } = string.Empty;
    public string Status { get; set; } = string.Empty;
    public string LastEvent { get; set; } = string.Empty;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? Deadline { get; set; }
    public bool Major { get; set; }

    /// <summary>The city's feed position of the newest applied snapshot; older snapshots are ignored (any order).</summary>
    public long Version { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Status of an assignment as the assigner sees it.</summary>
internal static class AssignmentStatus
{
    public const string Assigned = "assigned";
    public const string InProgress = "inProgress";
    public const string Resolved = "resolved";
    public const string Returned = "returned";
    public const string Accepted = "accepted";
    public const string SentBack = "sentBack";
}

/// <summary>交办: an assignment made by this node, as the assigner sees it.</summary>
internal sealed class Assignment
{
    public string CaseNumber { get; set; } = string.Empty;
    public string TargetNode { get; set; } = string.Empty;
    public Guid CorrelationId { get; set; }
    public string Type { get; set; } = string.Empty;
    public string Description { get; set; } = string.Empty;
    public string AssignedBy { get; set; } = string.Empty;
    public DateTimeOffset AssignedAt { get; set; }
    public DateTimeOffset Deadline { get; set; }
    public string Status { get; set; } = AssignmentStatus.Assigned;
    public string? HandlerCaseNumber { get; set; }
    public string? Result { get; set; }
    public DateTimeOffset? UrgedAt { get; set; }
    public DateTimeOffset? SupervisedAt { get; set; }
    public DateTimeOffset? NoticedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public List<AssignmentEvent> Events { get; set; } = [];
}

/// <summary>One entry of an assignment's timeline: feedback from the city or a reminder from the assigner.</summary>
internal sealed class AssignmentEvent
{
    /// <summary>Feedback id or reminder id: applied once.</summary>
    public Guid Id { get; set; }
    public string CaseNumber { get; set; } = string.Empty;
    public string Kind { get; set; } = string.Empty;
    public string Text { get; set; } = string.Empty;
    public DateTimeOffset At { get; set; }
}

/// <summary>Where the city relay has read the case feed up to.</summary>
internal sealed class RelayCursor
{
    public string Id { get; set; } = string.Empty;
    public long Position { get; set; }
}

/// <summary>Daily sequence for case numbers created at this node (assignments).</summary>
internal sealed class CaseSequence
{
    public string Day { get; set; } = string.Empty;
    public int Next { get; set; }
}

/// <summary>Counts what this node applied and discarded as duplicate (for fault tests and the operator view).</summary>
internal sealed class DeliveryCounter
{
    public string Name { get; set; } = string.Empty;
    public long Value { get; set; }
}

/// <summary>An inbound federation request refused before it was read (absent, forged or wrong-audience token).</summary>
internal sealed class RefusedMessage
{
    public Guid Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Reason { get; set; } = string.Empty;
    public string? RemoteAddress { get; set; }
    public string? MessageTypes { get; set; }
    public int Envelopes { get; set; }
}

/// <summary>The federation module's own tables: read models, assignments, relay cursor.</summary>
internal sealed class FederationDbContext(DbContextOptions<FederationDbContext> options) : DbContext(options)
{
    /// <summary>How an instant is stored on SQLite (UTC; text order = time order).</summary>
    internal const string SqliteInstant = "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz";

    public DbSet<ReportedCase> ReportedCases => Set<ReportedCase>();
    public DbSet<Assignment> Assignments => Set<Assignment>();
    public DbSet<AssignmentEvent> AssignmentEvents => Set<AssignmentEvent>();
    public DbSet<RelayCursor> RelayCursors => Set<RelayCursor>();
    public DbSet<CaseSequence> CaseSequences => Set<CaseSequence>();
    public DbSet<DeliveryCounter> Counters => Set<DeliveryCounter>();
    public DbSet<RefusedMessage> RefusedMessages => Set<RefusedMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        if (Database.IsNpgsql())
        {
            modelBuilder.HasDefaultSchema("federation");
        }

        if (Database.IsSqlite())
        {
            // SQLite has no instant type: instants are UTC text in one fixed format (the one the read-model upsert
            // writes), so that the consoles can filter and sort by them in the database.
            var utc = new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, string>(
                v => v.ToUniversalTime().ToString(SqliteInstant, System.Globalization.CultureInfo.InvariantCulture),
                v => DateTimeOffset.Parse(v, System.Globalization.CultureInfo.InvariantCulture));
            foreach (var entity in new[] { typeof(ReportedCase), typeof(Assignment), typeof(AssignmentEvent) })
            {
                foreach (var property in modelBuilder.Entity(entity).Metadata.GetProperties()
                             .Where(p => p.ClrType == typeof(DateTimeOffset) || p.ClrType == typeof(DateTimeOffset?)))
                {
                    property.SetValueConverter(utc);
                }
            }
        }

        modelBuilder.Entity<ReportedCase>(e =>
        {
            e.ToTable("reported_cases");
            e.HasKey(x => x.CaseNumber);
            e.HasIndex(x => new { x.CityNode, x.CreatedAt });
            e.HasIndex(x => x.CreatedAt);
            e.HasIndex(x => new { x.Status, x.CreatedAt });
            e.Property(x => x.CaseNumber).HasMaxLength(32);
            e.Property(x => x.CityNode).HasMaxLength(6);
        });
        modelBuilder.Entity<Assignment>(e =>
        {
            e.ToTable("assignments");
            e.HasKey(x => x.CaseNumber);
            e.HasMany(x => x.Events).WithOne().HasForeignKey(x => x.CaseNumber);
        });
        modelBuilder.Entity<AssignmentEvent>(e =>
        {
            e.ToTable("assignment_events");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<RelayCursor>(e =>
        {
            e.ToTable("relay_cursors");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<CaseSequence>(e =>
        {
            e.ToTable("case_sequences");
            e.HasKey(x => x.Day);
        });
        modelBuilder.Entity<RefusedMessage>(e =>
        {
            e.ToTable("refused_messages");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<DeliveryCounter>(e =>
        {
            e.ToTable("delivery_counters");
            e.HasKey(x => x.Name);
        });
    }
}
