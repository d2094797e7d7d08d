using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Sqlite.Infrastructure.Internal;

namespace Hotline.Ticketing.Persistence;

/// <summary>
/// SQLite settings for a busy module file: a private cache (shared-cache mode takes table locks that make concurrent
/// readers and the writer fail with SQLITE_LOCKED and retry after 150 ms), WAL with synchronous=NORMAL (durable across a
/// process crash; the last commits may be lost on power loss) and a busy timeout for other processes.
/// </summary>
internal sealed class SqliteTuning : DbConnectionInterceptor
{
    public static readonly SqliteTuning Instance = new();

    public static void Apply(DbContextOptionsBuilder options)
    {
#pragma warning disable EF1001 // the provider's options extension is the only place the configured connection string is kept
        var sqlite = options.Options.FindExtension<SqliteOptionsExtension>();
#pragma warning restore EF1001
        if (sqlite?.ConnectionString is not { } cs)
        {
            return;
        }

        var builder = new SqliteConnectionStringBuilder(cs) { Cache = SqliteCacheMode.Private };
        options.UseSqlite(builder.ToString());
        options.AddInterceptors(Instance);
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Tune(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Tune(connection);
        return Task.CompletedTask;
    }

    private static void Tune(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
        cmd.ExecuteNonQuery();
    }
}
