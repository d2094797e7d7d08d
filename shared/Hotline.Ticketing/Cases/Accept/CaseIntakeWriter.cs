using System.Globalization;
using System.Reflection;
using System.Threading.Channels;
using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Cases.Accept;

/// <summary>One history line written with a new case (accepted, and majorFlagged when a rule or the agent flags it).</summary>
internal sealed record IntakeLog(Actor Actor, string Kind, CaseStatus? To, string? Comment, bool Public, string? FeedEvent);

/// <summary>
/// Group commit for acceptances on SQLite (one writer per file). Requests queue their validated case; one loop takes
/// every case waiting, and in ONE transaction behind the module's writer gate numbers them (the day's sequence is read
/// from the database at the start of each batch — the database stays the authority — and counted on in memory), inserts
/// each case with its timeline event, feed entry and audit record inside its own savepoint, and commits. A case whose
/// insert fails (e.g. a concurrent duplicate 交办) is rolled back to its savepoint alone; the others commit. Each request
/// gets its answer only after the commit that holds its case. Rows are written through prepared commands built from the
/// EF model (table, column names and value converters), so the mapping stays the one <see cref="TicketingDbContext"/> has.
/// </summary>
internal sealed partial class CaseIntakeWriter(
    IServiceScopeFactory scopes,
    IOptions<NodeOptions> node,
    ILogger<CaseIntakeWriter> logger,
    Feed.CaseFeedSignal feedSignal) : BackgroundService
{
    private const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a validated case; completes with null once committed, or with the exception that refused it.</summary>
    public Task<Exception?> WriteAsync(WorkOrder order, IReadOnlyList<IntakeLog> log)
    {
        var pending = new Pending(order, log);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The ticketing intake writer is stopped.");
        }

        return pending.Done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Session? session = null;
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var p))
                {
                    batch.Add(p);
                }

                try
                {
                    session ??= await OpenAsync(stoppingToken);
                    await session.WriteAsync(batch, node.Value.Id, stoppingToken);
                    feedSignal.Raise();
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogBatchFailed(logger, batch.Count, ex);
                    foreach (var p in batch)
                    {
                        p.Done.TrySetResult(ex);
                    }

                    session?.Dispose();
                    session = null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fail whatever still waits.
        }
        finally
        {
            _queue.Writer.TryComplete();
            var stopped = new InvalidOperationException("The ticketing intake writer stopped.");
            foreach (var p in batch)
            {
                p.Done.TrySetResult(stopped);
            }

            while (_queue.Reader.TryRead(out var p))
            {
                p.Done.TrySetResult(stopped);
            }

            session?.Dispose();
        }
    }

    private async Task<Session> OpenAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var connectionString = db.Database.GetConnectionString() ?? throw new InvalidOperationException("No ticketing connection string.");
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
            pragma.ExecuteNonQuery();
        }

        return new Session(connection, SchemaMigrator.GateFor(connectionString), db.Model);
    }

    internal sealed class Pending(WorkOrder order, IReadOnlyList<IntakeLog> log)
    {
        public WorkOrder Order { get; } = order;
        public IReadOnlyList<IntakeLog> Log { get; } = log;
        public TaskCompletionSource<Exception?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The writer's own connection and prepared commands.</summary>
    private sealed class Session : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SemaphoreSlim _gate;
        private readonly RowInserter _cases;
        private readonly RowInserter _events;
        private readonly RowInserter _feed;
        private readonly RowInserter _audit;
        private readonly SqliteCommand _readSequence;
        private readonly SqliteCommand _writeSequence;
        private readonly SqliteCommand _savepoint;
        private readonly SqliteCommand _release;
        private readonly SqliteCommand _rollbackTo;

        public Session(SqliteConnection connection, SemaphoreSlim gate, IModel model)
        {
            _connection = connection;
            _gate = gate;
            _cases = new RowInserter(connection, model.FindEntityType(typeof(WorkOrder))!);
            _events = new RowInserter(connection, model.FindEntityType(typeof(CaseEvent))!);
            _feed = new RowInserter(connection, model.FindEntityType(typeof(FeedRow))!);
            _audit = new RowInserter(connection, model.FindEntityType(typeof(AuditRecord))!);
            _readSequence = Command("SELECT last_value FROM case_sequences WHERE day = @day", "@day");
            _writeSequence = Command("INSERT INTO case_sequences (day, last_value) VALUES (@day, @value) " +
                                     "ON CONFLICT (day) DO UPDATE SET last_value = excluded.last_value", "@day", "@value");
            _savepoint = Command("SAVEPOINT intake");
            _release = Command("RELEASE intake");
            _rollbackTo = Command("ROLLBACK TO intake");
        }

        public async Task WriteAsync(List<Pending> batch, string nodeId, CancellationToken ct)
        {
            await _gate.WaitAsync(ct);
            var results = new Exception?[batch.Count];
            try
            {
                using var tx = _connection.BeginTransaction();
                var next = new Dictionary<string, long>(StringComparer.Ordinal);
                for (var i = 0; i < batch.Count; i++)
                {
                    var order = batch[i].Order;
                    var day = WorkingCalendar.ChinaDate(order.AcceptedAt).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
                    if (!next.TryGetValue(day, out var seq))
                    {
                        seq = ReadSequence(tx, day) + 1;
                    }

                    order.CaseNumber = $"{nodeId}-{day}-{seq:000000}";
                    Run(_savepoint, tx);
                    try
                    {
                        Insert(batch[i], tx);
                        Run(_release, tx);
                        next[day] = seq + 1;
                    }
                    catch (SqliteException ex)
                    {
                        Run(_rollbackTo, tx);
                        Run(_release, tx);
                        order.Id = 0;
                        order.CaseNumber = "";
                        results[i] = ex;
                        next[day] = seq;
                    }
                }

                foreach (var (day, value) in next)
                {
                    _writeSequence.Transaction = tx;
                    _writeSequence.Parameters[0].Value = day;
                    _writeSequence.Parameters[1].Value = value - 1;
                    _writeSequence.ExecuteNonQuery();
                }

                tx.Commit();
            }
            finally
            {
                _gate.Release();
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }

        private void Insert(Pending pending, SqliteTransaction tx)
        {
            var order = pending.Order;
            order.Id = _cases.Insert(order, tx);
            foreach (var line in pending.Log)
            {
                var (e, feed, audit) = CaseLog.Build(order, line.Actor, order.AcceptedAt, line.Kind, null, line.To, line.Comment, line.Public,
                    line.FeedEvent);
                e.Case = null;
                e.CaseId = order.Id;
                e.Id = _events.Insert(e, tx);
                if (feed is not null)
                {
                    feed.Position = _feed.Insert(feed, tx);
                }

                audit.Id = _audit.Insert(audit, tx);
            }
        }

        private long ReadSequence(SqliteTransaction tx, string day)
        {
            _readSequence.Transaction = tx;
            _readSequence.Parameters[0].Value = day;
            return _readSequence.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : 0;
        }

        private static void Run(SqliteCommand cmd, SqliteTransaction tx)
        {
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
        }

        private SqliteCommand Command(string sql, params string[] parameters)
        {
            var cmd = _connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var p in parameters)
            {
                cmd.Parameters.Add(new SqliteParameter(p, DBNull.Value));
            }

            return cmd;
        }

        public void Dispose()
        {
            foreach (var cmd in new[] { _readSequence, _writeSequence, _savepoint, _release, _rollbackTo })
            {
                cmd.Dispose();
            }

            _cases.Dispose();
            _events.Dispose();
            _feed.Dispose();
            _audit.Dispose();
            _connection.Dispose();
        }
    }

    /// <summary>A prepared INSERT for one entity type, its columns and value converters taken from the EF model.</summary>
    internal sealed class RowInserter : IDisposable
    {
        private readonly SqliteCommand _command;
        private readonly (PropertyInfo Property, ValueConverter? Converter, SqliteParameter Parameter)[] _columns;
        private readonly bool _returnsKey;

        public RowInserter(SqliteConnection connection, IEntityType entity)
        {
            var key = entity.FindPrimaryKey()!.Properties.Single();
            _returnsKey = key.ValueGenerated == ValueGenerated.OnAdd;
            var props = entity.GetProperties().Where(p => p.PropertyInfo is not null && !(_returnsKey && p == key)).ToArray();
            _command = connection.CreateCommand();
            _columns = new (PropertyInfo, ValueConverter?, SqliteParameter)[props.Length];
            for (var i = 0; i < props.Length; i++)
            {
                var parameter = new SqliteParameter("@p" + i.ToString(CultureInfo.InvariantCulture), DBNull.Value);
                _command.Parameters.Add(parameter);
                _columns[i] = (props[i].PropertyInfo!, props[i].GetTypeMapping().Converter, parameter);
            }

            var table = entity.GetTableName()!;
            _command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", props.Select(p => "\"" + p.GetColumnName() + "\""))}) " +
                                   $"VALUES ({string.Join(", ", _columns.Select(c => c.Parameter.ParameterName))})" +
                                   (_returnsKey ? $" RETURNING \"{key.GetColumnName()}\"" : "");
        }

        /// <summary>Inserts the row; returns its generated key (0 when the key is not generated).</summary>
        public long Insert(object row, SqliteTransaction tx)
        {
            foreach (var (property, converter, parameter) in _columns)
            {
                var value = property.GetValue(row);
                parameter.Value = value is null ? DBNull.Value : converter is null ? value : converter.ConvertToProvider(value) ?? DBNull.Value;
            }

            _command.Transaction = tx;
            if (!_returnsKey)
            {
                _command.ExecuteNonQuery();
                return 0;
            }

            return Convert.ToInt64(_command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        public void Dispose() => _command.Dispose();
    }

    [LoggerMessage(EventId = 3050, Level = LogLevel.Error, Message = "Intake batch of {Count} cases failed")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception ex);
}
