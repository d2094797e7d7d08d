using Hotline.Directory.Persistence;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hotline.Federation.Tests.Heartbeats;

/// <summary>
/// A directory store made by the release before the gRPC address (no <c>GrpcUrl</c> column) is brought up to the model at
/// start, keeping its rows, on SQLite and on PostgreSQL; running the start-up task again changes nothing.
/// </summary>
public sealed class DirectorySchemaTests
{
    // The table exactly as EnsureCreated made it before the column was added.
    private const string OldSqliteTable = """
        CREATE TABLE "nodes" (
            "Id" TEXT NOT NULL CONSTRAINT "PK_nodes" PRIMARY KEY, "Name" TEXT NOT NULL, "Tier" TEXT NOT NULL, "Parent" TEXT NULL,
            "PublicUrl" TEXT NULL, "SipUdp" TEXT NULL, "SipTcp" TEXT NULL, "SipHotline" TEXT NULL, "Version" TEXT NOT NULL,
            "SentAtMs" INTEGER NOT NULL, "LastSeenMs" INTEGER NOT NULL, "ReportedBy" TEXT NULL);
        CREATE INDEX "IX_nodes_Parent" ON "nodes" ("Parent");
        INSERT INTO "nodes" VALUES ('440300', '深圳市', 'municipal', '440000', 'http://127.0.0.1:5311', NULL, NULL, NULL, '1.0', 1, 2, '440000');
        """;

    private const string OldPostgresTable = """
        CREATE SCHEMA directory;
        CREATE TABLE directory.nodes (
            "Id" character varying(6) NOT NULL PRIMARY KEY, "Name" character varying(100) NOT NULL, "Tier" character varying(16) NOT NULL,
            "Parent" character varying(6) NULL, "PublicUrl" character varying(300) NULL, "SipUdp" character varying(100) NULL,
            "SipTcp" character varying(100) NULL, "SipHotline" character varying(20) NULL, "Version" character varying(100) NOT NULL,
            "SentAtMs" bigint NOT NULL, "LastSeenMs" bigint NOT NULL, "ReportedBy" character varying(6) NULL);
        INSERT INTO directory.nodes VALUES ('440300', '深圳市', 'municipal', '440000', 'http://127.0.0.1:5311', NULL, NULL, NULL, '1.0', 1, 2, '440000');
        """;

    [Fact]
    public async Task An_sqlite_store_of_the_previous_release_gets_the_grpc_column_and_keeps_its_rows()
    {
        var data = Path.Combine(Path.GetTempPath(), "hotline-dirschema-" + Guid.NewGuid().ToString("N")[..8]);
        var storage = new StorageOptions { DataDirectory = data };
        try
        {
            await using (var connection = new SqliteConnection(storage.SqliteConnectionString(NodeOptions.NationalId, DirectoryDbContext.Module)))
            {
                await connection.OpenAsync();
                await using var create = connection.CreateCommand();
                create.CommandText = OldSqliteTable;
                await create.ExecuteNonQueryAsync();
            }

            await UpgradeAndCheckAsync(storage);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            System.IO.Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_postgres_store_of_the_previous_release_gets_the_grpc_column_and_keeps_its_rows()
    {
        var server = Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("HOTLINE_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL and exports it.");
        var database = "hotline_dirschema_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        try
        {
            await ExecuteAsync(connection, OldPostgresTable);
            await UpgradeAndCheckAsync(new StorageOptions { Provider = StorageProvider.Postgres, Postgres = connection });
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
    }

    private static async Task UpgradeAndCheckAsync(StorageOptions storage)
    {
        var services = new ServiceCollection();
        services.AddOptions<StorageOptions>().Configure(o =>
        {
            o.Provider = storage.Provider;
            o.Postgres = storage.Postgres;
            o.DataDirectory = storage.DataDirectory;
        });
        services.AddOptions<NodeOptions>().Configure(o => o.Id = NodeOptions.NationalId);
        services.AddModuleDbContext<DirectoryDbContext>(DirectoryDbContext.Module);
        services.AddSingleton<DirectorySchemaTask>();
        await using var provider = services.BuildServiceProvider();

        var task = provider.GetRequiredService<DirectorySchemaTask>();
        await task.RunAsync(CancellationToken.None);
        await task.RunAsync(CancellationToken.None);

        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DirectoryDbContext>();
            var old = await db.Nodes.SingleAsync(n => n.Id == "440300");
            Assert.Equal("深圳市", old.Name);
            Assert.Equal("440000", old.ReportedBy);
            Assert.Null(old.GrpcUrl);
            old.GrpcUrl = "http://127.0.0.1:5211";
            await db.SaveChangesAsync();
        }

        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DirectoryDbContext>();
            Assert.Equal("http://127.0.0.1:5211", (await db.Nodes.AsNoTracking().SingleAsync(n => n.Id == "440300")).GrpcUrl);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
