using System.Net;
using Hotline.Identity.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hotline.Identity.Tests;

/// <summary>
/// The same node on PostgreSQL, chosen by configuration alone. Uses <c>HOTLINE_TEST_POSTGRES</c> (set by scripts/test.sh)
/// and a database of its own, dropped afterwards.
/// </summary>
public sealed class PostgresTests : IAsyncLifetime
{
    private readonly string _connectionString;
    private readonly string _database = "hotline_identity_" + Guid.NewGuid().ToString("N")[..12];

    public PostgresTests()
    {
        var server = Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
            ?? "Host=127.0.0.1;Port=5432;Username=hotline;Password=hotline;Database=postgres";
        _connectionString = new NpgsqlConnectionStringBuilder(server) { Database = _database, Pooling = false }.ConnectionString;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(_connectionString) { Database = "postgres" }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Node_on_postgres_seeds_once_and_issues_tokens()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres"] = _connectionString,
        };
        var data = Path.Combine(Path.GetTempPath(), "hotline-identity-tests", Guid.NewGuid().ToString("N"));
        string token;
        using (var first = new NodeFactory("440300", data, settings))
        {
            token = (await Http.ClientCredentialsAsync(first.CreateClient())).GetProperty("access_token").GetString()!;
        }

        using var second = new NodeFactory("440300", data, settings);
        using (var me = await Http.GetWithTokenAsync(second.CreateClient(), "/api/v1/identity/me", token))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        await using var scope = second.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        Assert.Equal(8, await users.Users.CountAsync());

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "select count(*) from information_schema.tables where table_schema = 'identity' and table_name = 'AspNetUsers'", connection);
        Assert.Equal(1L, await tables.ExecuteScalarAsync());
    }
}
