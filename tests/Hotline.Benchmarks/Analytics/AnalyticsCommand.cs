using System.Diagnostics;
using System.Globalization;
using Hotline.Analytics;
using Hotline.Analytics.Rollups;
using Hotline.Analytics.Stats;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Ticketing;
using Hotline.Ticketing.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotline.Benchmarks.Analytics;

/// <summary>
/// Stopwatch harness for the statistics targets of issue 14, on one in-process city (SQLite files, WAL):
/// <c>dotnet run -c Release --project tests/Hotline.Benchmarks -- analytics [cases=100000] [runs=200]</c>. It imports a
/// year of history through <see cref="ICaseHistoryImport"/> (rows/s), rolls it up, imports and rolls up one 20,000-case
/// day, then answers the same 同比/环比 question (a month by category, three periods) from the rollups and straight from
/// the raw cases. Results are copied into docs/benchmarks.md.
/// </summary>
public static class AnalyticsCommand
{
    private static readonly string[] Types = ["inquiry", "inquiry", "inquiry", "complaint", "suggestion", "help"];
    private static readonly string[] Channels = ["phone", "web", "app", "wechat", "sms", "email"];
    private static readonly string[] Categories = ["030100", "030200", "030300", "030400", "010100", "020100"];

    public static async Task<int> RunAsync(string[] args)
    {
        var cases = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var now = DateTimeOffset.UtcNow;
        var data = Path.Combine(Path.GetTempPath(), "hotline-bench-an-" + Guid.NewGuid().ToString("N"));
        var app = await StartAsync(data);
        try
        {
            var rng = new Random(14);
            var year = Enumerable.Range(0, cases).Select(i => Row(rng, "Y-" + i, now.AddDays(-rng.Next(5, 366)).AddMinutes(-rng.Next(0, 1440)))).ToList();
            var imported = await ImportAsync(app, year);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"import: {cases:N0} rows in {imported.TotalSeconds:F1} s = {cases / imported.TotalSeconds:N0} rows/s (batches of 10,000)"));
            var again = await ImportAsync(app, year.Take(10_000).ToList());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"re-import (all unchanged): 10,000 rows in {again.TotalSeconds:F2} s"));

            var rollup = await TimeAsync(() => app.Services.GetRequiredService<CityRollup>().CatchUpAsync(CancellationToken.None));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rollup of the year: {cases:N0} cases in {rollup.TotalSeconds:F1} s"));

            var busy = now.AddDays(-6).Date;
            var day = Enumerable.Range(0, 20_000).Select(i => Row(rng, "D-" + i, new DateTimeOffset(busy, TimeSpan.Zero).AddSeconds(rng.Next(0, 36_000)))).ToList();
            await ImportAsync(app, day);
            var dayRollup = await TimeAsync(() => app.Services.GetRequiredService<CityRollup>().CatchUpAsync(CancellationToken.None));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rollup of one 20,000-case day (facts + recompute): {dayRollup.TotalSeconds:F2} s"));
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<Hotline.Analytics.Persistence.AnalyticsDbContext>();
                var dayKey = CityRollup.DayOf(new DateTimeOffset(busy, TimeSpan.Zero).AddHours(5));
                var recompute = await TimeAsync(async () =>
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await CityRollup.RecomputeDayAsync(db, "440300", "440000", dayKey, CancellationToken.None);
                    await tx.CommitAsync();
                });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"recompute of that day's cells alone: {recompute.TotalMilliseconds:F0} ms"));
            }

            var month = new DateOnly(now.AddMonths(-1).Year, now.AddMonths(-1).Month, 1);
            var query = new GetCaseStats(month.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                month.AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "category");
            var fromRollups = new List<double>(runs);
            var fromCases = new List<double>(runs);
            long rollupTotal = 0, rawTotal = 0;
            for (var i = 0; i < runs; i++)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<GetCaseStatsHandler>();
                var sw = Stopwatch.StartNew();
                var view = (await handler.HandleAsync(query, CancellationToken.None)).Value;
                fromRollups.Add(sw.Elapsed.TotalMilliseconds);
                rollupTotal = view.Total.Count + view.Total.PreviousYear + view.Total.PreviousPeriod;

                var tk = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
                sw.Restart();
                rawTotal = await RawAsync(tk, new Period(DateOnly.ParseExact(query.From!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                    DateOnly.ParseExact(query.To!, "yyyy-MM-dd", CultureInfo.InvariantCulture)));
                fromCases.Add(sw.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"同比/环比 by category, one month, from rollups:   {Percentiles(fromRollups)} (sum of the three periods {rollupTotal:N0})");
            Console.WriteLine($"same question straight from the raw cases:      {Percentiles(fromCases)} (sum {rawTotal:N0})");
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            return rollupTotal == rawTotal ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            System.IO.Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>The three periods' counts by category from ticketing's <c>cases</c> (index on accepted_at), summed.</summary>
    private static async Task<long> RawAsync(TicketingDbContext db, Period period)
    {
        long total = 0;
        foreach (var p in new[] { period, period.PreviousYear(), period.PreviousPeriod() })
        {
            var from = new DateTimeOffset(p.From.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).ToUnixTimeMilliseconds();
            var to = new DateTimeOffset(p.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).ToUnixTimeMilliseconds();
            var rows = await db.Database.SqlQueryRaw<long>(
                "SELECT COUNT(*) AS \"Value\" FROM cases WHERE accepted_at >= {0} AND accepted_at < {1} GROUP BY category", from, to).ToListAsync();
            total += rows.Sum();
        }

        return total;
    }

    private static HistoricalCase Row(Random rng, string id, DateTimeOffset accepted)
    {
        var status = rng.Next(10) < 8 ? "archived" : "closed";
        return new HistoricalCase(id, Types[rng.Next(Types.Length)], Categories[rng.Next(Categories.Length)], Channels[rng.Next(Channels.Length)],
            "乘客反映公交车到站不停，司机态度恶劣，请核实处理。", "139" + rng.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture),
            accepted.ToString("O", CultureInfo.InvariantCulture), accepted.AddMinutes(rng.Next(3, 5000)).ToString("O", CultureInfo.InvariantCulture),
            status, rng.Next(2) == 0 ? "satisfied" : null);
    }

    private static async Task<TimeSpan> ImportAsync(WebApplication app, List<HistoricalCase> rows)
    {
        var sw = Stopwatch.StartNew();
        foreach (var batch in rows.Chunk(10_000))
        {
            await using var scope = app.Services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<ICaseHistoryImport>().ImportAsync(batch, "bench", CancellationToken.None);
            if (!result.IsSuccess || result.Value.Refused.Count > 0)
            {
                throw new InvalidOperationException("Import refused rows: " + (result.Error?.Message ?? result.Value.Refused[0].Reason));
            }
        }

        return sw.Elapsed;
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed;
    }

    private static async Task<WebApplication> StartAsync(string data)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:Id"] = "440300",
            ["Node:Name"] = "深圳市",
            ["Node:Tier"] = "Municipal",
            ["Node:Parent"] = "440000",
            ["Storage:DataDirectory"] = data,
            ["Ticketing:RunDeadlineMonitor"] = "false",
            ["Analytics:RollupIntervalSeconds"] = "3600",
        });
        builder.AddNodeOptions();
        builder.Services.AddAuthentication();
        builder.Services.AddAuthorizationBuilder().AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
        builder.AddTicketingModule();
        builder.AddAnalyticsModule();
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }

    private static string Percentiles(List<double> values)
    {
        values.Sort();
        double P(double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {P(0.50):F2} ms, p95 {P(0.95):F2} ms, max {values[^1]:F2} ms (n={values.Count})");
    }
}
