using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace Hotline.ServiceDefaults;

/// <summary>Which database engine a node uses.</summary>
public enum StorageProvider
{
    /// <summary>Embedded default: one SQLite file per module under <c>data/&lt;node&gt;/</c>, WAL mode.</summary>
    Sqlite,
    /// <summary>At scale: one PostgreSQL database per node, one schema per module.</summary>
    Postgres,
}

/// <summary>Where a node keeps its data. Bound from the <c>Storage</c> section.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Root data folder; each node writes below <c>{DataDirectory}/{nodeId}/</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>PostgreSQL connection string (Provider = Postgres).</summary>
    public string? Postgres { get; set; }

    /// <summary>The folder of this node's files, created on demand.</summary>
    public string NodeDirectory(string nodeId)
    {
        var dir = Path.GetFullPath(Path.Combine(DataDirectory, nodeId));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The SQLite connection string of one module's file.</summary>
    public string SqliteConnectionString(string nodeId, string module) =>
        $"Data Source={Path.Combine(NodeDirectory(nodeId), module + ".db")};Cache=Private;Pooling=true";
}

/// <summary>Registers a module's DbContext on the node's configured storage.</summary>
public static class StorageExtensions
{
    /// <summary>How often the schema check at start is retried when PostgreSQL answers with a transient error.</summary>
    private const int SchemaRetries = 4;

    private const string PostgresRequired = "Storage:Postgres is required when Storage:Provider is Postgres.";
    private const string DataDirectoryRequired = "Storage:DataDirectory is required.";

    /// <summary>
    /// Binds <see cref="StorageOptions"/> and validates it at start-up. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddNodeStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.BindSectionOnce<StorageOptions>(configuration, StorageOptions.SectionName)
            .Validate(o => o.Provider != StorageProvider.Postgres || !string.IsNullOrWhiteSpace(o.Postgres),
                PostgresRequired)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), DataDirectoryRequired)
            .ValidateOnStart();
        return services;
    }

    /// <summary>One message per bad <c>Storage</c> field (the same checks as at start-up).</summary>
    public static IEnumerable<string> Validate(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(options.Postgres))
        {
            yield return PostgresRequired;
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            yield return DataDirectoryRequired;
        }
    }

    /// <summary>
    /// Adds <typeparamref name="TContext"/> on SQLite (<c>data/&lt;node&gt;/&lt;module&gt;.db</c>) or PostgreSQL
    /// (schema <paramref name="module"/>), as configured.
    /// </summary>
    public static IServiceCollection AddModuleDbContext<TContext>(this IServiceCollection services, string module,
        Action<DbContextOptionsBuilder>? configure = null)
        where TContext : DbContext
    {
        services.AddDbContext<TContext>((sp, options) =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var node = sp.GetRequiredService<IOptions<NodeOptions>>().Value;
            options.UseNodeDatabase(storage, node.Id, module);
            configure?.Invoke(options);
        });
        return services;
    }

    /// <summary>Points a DbContext at the module's store.</summary>
    public static DbContextOptionsBuilder UseNodeDatabase(this DbContextOptionsBuilder options, StorageOptions storage,
        string nodeId, string module)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (storage.Provider == StorageProvider.Postgres)
        {
            options.UseNpgsql(storage.Postgres, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations", module));
        }
        else
        {
            options.UseSqlite(storage.SqliteConnectionString(nodeId, module));
        }

        return options;
    }

    /// <summary>
    /// Puts a module's tables into its own PostgreSQL schema (named after the module); no effect on SQLite, where each
    /// module has its own file. Call from <c>OnModelCreating</c>.
    /// </summary>
    public static ModelBuilder UseModuleSchema(this ModelBuilder modelBuilder, DatabaseFacade database, string module)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(database);
        if (database.IsNpgsql())
        {
            modelBuilder.HasDefaultSchema(module);
        }

        return modelBuilder;
    }

    /// <summary>
    /// Creates the module's tables when they do not exist yet, idempotently: on SQLite the module's file (then WAL mode),
    /// on PostgreSQL the database if missing and the module's tables if its schema has none of them yet.
    /// </summary>
    public static async Task EnsureModuleSchemaAsync(this DbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.IsSqlite())
        {
            await db.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
            return;
        }

        // A node started while PostgreSQL is busy (launcher scale mode under load) can meet a connect timeout: the
        // provider's retrying strategy retries transient errors with backoff (logged by EF Core), then fails the start.
        var strategy = new NpgsqlRetryingExecutionStrategy(db, SchemaRetries, TimeSpan.FromSeconds(4), errorCodesToAdd: null);
        await strategy.ExecuteAsync(db, EnsurePostgresSchemaAsync, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsurePostgresSchemaAsync(DbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
        }

        var entity = db.Model.GetEntityTypes().First(e => e.GetTableName() is not null);
        var schema = entity.GetSchema() ?? "public";
        var table = entity.GetTableName()!;
        var count = await db.Database
            .SqlQuery<int>($"select count(*)::int as \"Value\" from information_schema.tables where table_schema = {schema} and table_name = {table}")
            .SingleAsync(cancellationToken).ConfigureAwait(false);
        if (count == 0)
        {
            await creator.CreateTablesAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
