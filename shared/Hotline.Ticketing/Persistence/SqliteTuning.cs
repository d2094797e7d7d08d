using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Hotline.Ticketing.Persistence;

/// <summary>
/// SQLite settings for a busy module file: WAL with synchronous=NORMAL (durable across a process crash; the last commits
/// may be lost on power loss) and a busy timeout for other processes. The private cache comes from
/// <c>StorageOptions.SqliteConnectionString</c>.
/// </summary>
internal sealed class SqliteTuning : DbConnectionInterceptor
{
    public static readonly SqliteTuning Instance = new();

    /// <summary>Adds the tuning; it acts only on SQLite connections, so PostgreSQL contexts are left as they are.</summary>
    public static void Apply(DbContextOptionsBuilder options) => options.AddInterceptors(Instance);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Tune(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Tune(connection);
        return Task.CompletedTask;
    }

    private static void Tune(DbConnection connection)
    {
        if (connection is not SqliteConnection)
        {
            return;
        }

        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
        cmd.ExecuteNonQuery();
    }
}
