using System.Data.Common;
using System.Globalization;
using System.Text;
using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Hotline.Federation.Reporting;

/// <summary>What one batch did to the read model: snapshots applied, and those discarded (duplicate, stale or superseded).</summary>
internal readonly record struct UpsertOutcome(long Applied, long Discarded);

/// <summary>
/// 上报读模型批量写入: applies a batch of case summaries to <c>reported_cases</c> with one
/// <c>INSERT … ON CONFLICT (case) DO UPDATE … WHERE stored.version &lt; excluded.version</c> per 500 rows and bumps the
/// delivery counters with atomic <c>value = value + n</c> upserts, all in one transaction (SQLite and PostgreSQL alike).
/// No row is read first and nothing is tracked, so two batches applied at the same time cannot lose an update: the
/// database keeps the newest version of each case whatever the order, and a redelivered batch changes nothing.
/// Names come from the EF model, so the statement follows the mapping of <see cref="FederationDbContext"/>.
/// </summary>
internal static class ReadModelUpsert
{
    private const int RowsPerStatement = 500;

    private static readonly string[] Columns =
    [
        nameof(ReportedCase.CaseNumber), nameof(ReportedCase.CityNode), nameof(ReportedCase.Type), nameof(ReportedCase.Category),
        nameof(ReportedCase.Channel), nameof(ReportedCase.Title), nameof(ReportedCase.MaskedPhone), nameof(ReportedCase.Status),
        nameof(ReportedCase.LastEvent), nameof(ReportedCase.CreatedAt), nameof(ReportedCase.Deadline), nameof(ReportedCase.Major),
        nameof(ReportedCase.Version), nameof(ReportedCase.UpdatedAt),
    ];

    /// <summary>Applies <paramref name="reports"/> from <paramref name="city"/>; the newest snapshot of each case wins.</summary>
    public static async Task<UpsertOutcome> ApplyAsync(FederationDbContext db, string city, IReadOnlyList<CaseReport> reports, CancellationToken ct)
    {
        // One row per case (the newest snapshot in the batch): PostgreSQL refuses to touch a row twice in one statement.
        var newest = new Dictionary<string, CaseReport>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            if (!newest.TryGetValue(report.Summary.CaseNumber, out var seen) || seen.Version < report.Version)
            {
                newest[report.Summary.CaseNumber] = report;
            }
        }

        var rows = newest.Values.ToList();
        var names = Names.For(db);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var connection = db.Database.GetDbConnection();
            long applied = 0;
            for (var start = 0; start < rows.Count; start += RowsPerStatement)
            {
                var chunk = rows.GetRange(start, Math.Min(RowsPerStatement, rows.Count - start));
                await using var command = connection.CreateCommand();
                command.Transaction = tx.GetDbTransaction();
                command.CommandText = names.UpsertSql(chunk.Count);
                for (var i = 0; i < chunk.Count; i++)
                {
                    AddRow(command, i, city, chunk[i]);
                }

                applied += await command.ExecuteNonQueryAsync(ct);
            }

            var discarded = reports.Count - applied;
            await IncrementAsync(connection, tx.GetDbTransaction(), names, Counters.Applied, applied, ct);
            await IncrementAsync(connection, tx.GetDbTransaction(), names, Counters.Duplicates, discarded, ct);
            await tx.CommitAsync(ct);
            return new UpsertOutcome(applied, discarded);
        });
    }

    /// <summary>Adds <paramref name="by"/> to a counter atomically (no read): safe with concurrent handlers.</summary>
    private static async Task IncrementAsync(DbConnection connection, DbTransaction tx, Names names, string counter, long by, CancellationToken ct)
    {
        if (by <= 0)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = names.IncrementSql;
        Add(command, "@n", counter);
        Add(command, "@v", by);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static void AddRow(DbCommand command, int row, string city, CaseReport report)
    {
        var s = report.Summary;
        var p = "@r" + row.ToString(CultureInfo.InvariantCulture) + "_";
        Add(command, p + "0", s.CaseNumber);
        Add(command, p + "1", city);
        Add(command, p + "2", s.Type);
        Add(command, p + "3", s.Category);
        Add(command, p + "4", s.Channel);
        Add(command, p + "5", s.Title);
        Add(command, p + "6", Masking.Phone(s.MaskedPhone));
        Add(command, p + "7", s.Status);
        Add(command, p + "8", report.EventType);
        Add(command, p + "9", s.CreatedAt.ToUniversalTime());
        Add(command, p + "10", s.Deadline?.ToUniversalTime());
        Add(command, p + "11", s.Major);
        Add(command, p + "12", report.Version);
        Add(command, p + "13", report.OccurredAt.ToUniversalTime());
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Quoted table and column names from the EF model, and the statements built from them (cached per model).</summary>
    private sealed class Names
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, Names> Cache = new();
        private readonly string _table;
        private readonly string[] _columns;
        private readonly string _key;
        private readonly string _version;
        private readonly string _updates;
        private readonly Dictionary<int, string> _upserts = [];

        private Names(IModel model)
        {
            var cases = model.FindEntityType(typeof(ReportedCase))!;
            var casesTable = StoreObjectIdentifier.Table(cases.GetTableName()!, cases.GetSchema());
            _table = Qualified(cases.GetSchema(), cases.GetTableName()!);
            _columns = Columns.Select(c => Quote(cases.FindProperty(c)!.GetColumnName(casesTable)!)).ToArray();
            _key = _columns[0];
            _version = Quote(cases.FindProperty(nameof(ReportedCase.Version))!.GetColumnName(casesTable)!);
            // The city and case number never change; everything else is the newer snapshot's.
            _updates = string.Join(", ", _columns.Skip(2).Select(c => $"{c} = excluded.{c}"));

            var counters = model.FindEntityType(typeof(DeliveryCounter))!;
            var countersTable = StoreObjectIdentifier.Table(counters.GetTableName()!, counters.GetSchema());
            var name = Quote(counters.FindProperty(nameof(DeliveryCounter.Name))!.GetColumnName(countersTable)!);
            var value = Quote(counters.FindProperty(nameof(DeliveryCounter.Value))!.GetColumnName(countersTable)!);
            IncrementSql = $"INSERT INTO {Qualified(counters.GetSchema(), counters.GetTableName()!)} AS c ({name}, {value}) VALUES (@n, @v) " +
                           $"ON CONFLICT ({name}) DO UPDATE SET {value} = c.{value} + excluded.{value}";
        }

        public string IncrementSql { get; }

        public static Names For(DbContext db) => Cache.GetValue(db.Model, m => new Names(m));

        public string UpsertSql(int rows)
        {
            lock (_upserts)
            {
                if (_upserts.TryGetValue(rows, out var sql))
                {
                    return sql;
                }

                var text = new StringBuilder($"INSERT INTO {_table} AS t ({string.Join(", ", _columns)}) VALUES ");
                for (var r = 0; r < rows; r++)
                {
                    text.Append(r == 0 ? "(" : ", (");
                    for (var c = 0; c < _columns.Length; c++)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{(c == 0 ? "" : ", ")}@r{r}_{c}");
                    }

                    text.Append(')');
                }

                text.Append(CultureInfo.InvariantCulture, $" ON CONFLICT ({_key}) DO UPDATE SET {_updates} WHERE t.{_version} < excluded.{_version}");
                sql = text.ToString();
                if (_upserts.Count < 64)
                {
                    _upserts[rows] = sql;
                }

                return sql;
            }
        }

        private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        private static string Qualified(string? schema, string table) => schema is null ? Quote(table) : Quote(schema) + "." + Quote(table);
    }
}
