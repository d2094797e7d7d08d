using Npgsql;

namespace Hotline.Federation.Tests.Support;

/// <summary>
/// The scale mode on real servers: RabbitMQ (<c>HOTLINE_TEST_RABBITMQ</c>, an amqp URI) and PostgreSQL
/// (<c>HOTLINE_TEST_POSTGRES</c>), both exported by scripts/test.sh. One fresh database per node and a queue prefix
/// unique to this run, so that runs never see each other's messages. Missing variables or a refusing server FAIL.
/// </summary>
internal sealed class ScaleEnvironment : IAsyncDisposable
{
    private readonly string _postgres;
    private readonly string _run;
    private readonly List<string> _databases = [];

    private ScaleEnvironment(string rabbit, string postgres, string run)
    {
        Rabbit = rabbit;
        _postgres = postgres;
        _run = run;
    }

    public string Rabbit { get; }

    public string QueuePrefix => $"hotline.test.{_run}.";

    public static async Task<ScaleEnvironment> CreateAsync()
    {
        var rabbit = Require("HOTLINE_TEST_RABBITMQ");
        var postgres = Require("HOTLINE_TEST_POSTGRES");
        var env = new ScaleEnvironment(rabbit, postgres, Guid.NewGuid().ToString("N")[..10]);
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        return env;
    }

    /// <summary>Creates the node's database and returns its configuration (RabbitMQ transport, PostgreSQL storage).</summary>
    public IDictionary<string, string?> ConfigFor(string nodeId)
    {
        var database = $"hotline_fed_{_run}_{nodeId}";
        using (var connection = new NpgsqlConnection(_postgres))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = $"CREATE DATABASE \"{database}\"";
            create.ExecuteNonQuery();
        }

        lock (_databases)
        {
            _databases.Add(database);
        }

        return new Dictionary<string, string?>
        {
            ["Federation:Transport"] = "RabbitMq",
            ["Federation:RabbitMq"] = Rabbit,
            ["Federation:RabbitQueuePrefix"] = QueuePrefix,
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres"] = new NpgsqlConnectionStringBuilder(_postgres) { Database = database }.ConnectionString,
        };
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        foreach (var database in _databases)
        {
            await using var drop = connection.CreateCommand();
            drop.CommandText = $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)";
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set: run the tests through scripts/test.sh, which starts RabbitMQ and PostgreSQL and exports it.");
}
