using System.Text;
using Hotline.Ticketing.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Hotline.Ticketing.Persistence;

/// <summary>
/// The ticketing module's database. The schema is created by <see cref="SchemaMigrator"/> (one provider-neutral
/// migration set for SQLite and PostgreSQL), not by EF migrations; this context only maps it. Names are snake_case on
/// both engines; instants are stored as UTC Unix milliseconds (bigint) so they sort and compare the same everywhere.
/// </summary>
internal sealed class TicketingDbContext(DbContextOptions<TicketingDbContext> options) : DbContext(options)
{
    public const string Schema = "ticketing";

    public DbSet<WorkOrder> Cases => Set<WorkOrder>();
    public DbSet<CaseEvent> Events => Set<CaseEvent>();
    public DbSet<FeedRow> Feed => Set<FeedRow>();
    public DbSet<AuditRecord> Audit => Set<AuditRecord>();
    public DbSet<ExternalFeedbackRow> ExternalFeedback => Set<ExternalFeedbackRow>();
    public DbSet<SupervisionNoticeRow> SupervisionNotices => Set<SupervisionNoticeRow>();
    public DbSet<CalendarDay> CalendarDays => Set<CalendarDay>();
    public DbSet<SlaRule> SlaRules => Set<SlaRule>();
    public DbSet<CategoryCode> Categories => Set<CategoryCode>();
    public DbSet<RoutingRule> RoutingRules => Set<RoutingRule>();
    public DbSet<Cases.Attach.CaseAttachment> Attachments => Set<Cases.Attach.CaseAttachment>();
    public DbSet<Cases.Import.CaseImportRow> Imports => Set<Cases.Import.CaseImportRow>();

    public bool IsPostgres => Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        if (IsPostgres)
        {
            modelBuilder.HasDefaultSchema(Schema);
        }

        modelBuilder.Entity<WorkOrder>(e =>
        {
            e.ToTable("cases");
            e.HasIndex(c => c.CaseNumber).IsUnique();
            e.Property(c => c.Version).IsConcurrencyToken();
            e.Ignore(c => c.Source);
            e.Ignore(c => c.IsOpen);
        });
        modelBuilder.Entity<CaseEvent>(e =>
        {
            e.ToTable("case_events");
            e.HasOne(x => x.Case).WithMany().HasForeignKey(x => x.CaseId);
        });
        modelBuilder.Entity<FeedRow>(e =>
        {
            e.ToTable("case_feed");
            e.HasKey(f => f.Position);
        });
        modelBuilder.Entity<AuditRecord>().ToTable("audit_records");
        modelBuilder.Entity<ExternalFeedbackRow>(e =>
        {
            e.ToTable("external_feedback");
            e.HasKey(f => f.FeedbackId);
        });
        modelBuilder.Entity<SupervisionNoticeRow>(e =>
        {
            e.ToTable("supervision_notices");
            e.HasKey(n => n.NoticeId);
        });
        modelBuilder.Entity<CalendarDay>(e =>
        {
            e.ToTable("calendar_days");
            e.HasKey(d => d.Day);
        });
        modelBuilder.Entity<SlaRule>().ToTable("sla_rules");
        modelBuilder.Entity<CategoryCode>(e =>
        {
            e.ToTable("categories");
            e.HasKey(c => c.Code);
        });
        modelBuilder.Entity<RoutingRule>().ToTable("routing_rules");
        modelBuilder.Entity<Cases.Attach.CaseAttachment>().ToTable("case_attachments");
        modelBuilder.Entity<Cases.Import.CaseImportRow>(e =>
        {
            e.ToTable("case_imports");
            e.HasKey(i => i.ExternalId);
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}
