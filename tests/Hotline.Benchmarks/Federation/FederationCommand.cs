using System.Diagnostics;
using System.Globalization;
using Hotline.Federation.Persistence;
using Hotline.Federation.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Benchmarks.Federation;

/// <summary>
/// Stopwatch harness for the federation relay target of issue 4 (≥ 1,000 messages/s city → province → ministry,
/// p95 &lt; 500 ms per hop): <c>dotnet run -c Release --project tests/Hotline.Benchmarks -- federation relay [rate=1200]
/// [seconds=30] [http|rabbit]</c>. Three nodes (ministry, 广东, 深圳) run as real Kestrel hosts in this process with the
/// federation module, SQLite stores (or RabbitMQ + PostgreSQL from HOTLINE_TEST_RABBITMQ / HOTLINE_TEST_POSTGRES), and
/// an in-memory city case feed. The producer creates cases at a fixed rate; arrivals are observed by polling the
/// province's and the ministry's read-model counts (delivery is in feed order, so the n-th arrival is the n-th case).
/// </summary>
public static class FederationCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "roundtrip")
        {
            return await RoundTripAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50);
        }

        if (args.Length == 0 || args[0] != "relay")
        {
            Console.Error.WriteLine("usage: federation relay [rate=1200] [seconds=30] [http|rabbit] | federation roundtrip [assignments=50]");
            return 2;
        }

        var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1200;
        var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
        var mode = args.Length > 3 ? args[3] : "http";
        await using var scale = mode == "rabbit" ? await ScaleEnvironment.CreateAsync() : null;
        await using var federation = await TestFederation.StartAsync(
        [
            TestFederation.National("440000"),
            TestFederation.Province("440000", "广东省", "440300"),
            TestFederation.City("440300", "深圳市"),
        ], spec => scale?.ConfigFor(spec.Id));
        Console.WriteLine($"federation relay: mode={mode} offered={rate}/s for {seconds} s; load average before: {LoadAverage()}");

        // Warm-up: the first message of each type compiles its handler (runtime code generation), which takes seconds.
        const int warmUp = 50;
        var warmCity = federation["440300"].City!;
        for (var i = 0; i < warmUp; i++)
        {
            warmCity.CreateLocal(title: $"预热 {i}");
        }

        while (await CountAsync(federation["100000"]) < warmUp)
        {
            await Task.Delay(100);
        }

        var total = rate * seconds;
        var created = new long[total];
        var atProvince = new long[total];
        var atMinistry = new long[total];
        var city = federation["440300"].City!;
        using var stop = new CancellationTokenSource();
        var observer = Task.Run(() => ObserveAsync(federation, warmUp, total, atProvince, atMinistry, stop.Token));

        // Producer: tops up to rate × elapsed every 5 ms.
        var start = Stopwatch.GetTimestamp();
        var made = 0;
        using var progress = new Timer(_ => Console.WriteLine(
            $"  t={Stopwatch.GetElapsedTime(start).TotalSeconds:F0}s created={Volatile.Read(ref made)} relayed={Published(federation["440300"])} " +
            $"province={atProvince.Count(t => t != 0)} ministry={atMinistry.Count(t => t != 0)}"), null, 2000, 2000);
        while (made < total)
        {
            var due = Math.Min(total, (int)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate));
            for (; made < due; made++)
            {
                city.CreateLocal(title: $"负载 {made}");
                created[made] = Stopwatch.GetTimestamp();
            }

            await Task.Delay(5);
        }

        var produced = Stopwatch.GetElapsedTime(start);
        progress.Dispose();
        var drainDeadline = DateTime.UtcNow.AddMinutes(3);
        while (Volatile.Read(ref atMinistry[total - 1]) == 0 && DateTime.UtcNow < drainDeadline)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await observer;
        var lastArrival = atMinistry[total - 1];
        if (lastArrival == 0)
        {
            Console.WriteLine($"NOT DRAINED: {atMinistry.Count(t => t != 0)} of {total} reached the ministry within 3 minutes after production.");
            return 1;
        }

        var endToEnd = Stopwatch.GetElapsedTime(start, lastArrival);
        var hop1 = Enumerable.Range(0, total).Select(i => Ms(created[i], atProvince[i])).ToArray();
        var hop2 = Enumerable.Range(0, total).Select(i => Ms(atProvince[i], atMinistry[i])).ToArray();
        var both = Enumerable.Range(0, total).Select(i => Ms(created[i], atMinistry[i])).ToArray();
        Console.WriteLine($"produced {total} cases in {produced.TotalSeconds:F1} s ({total / produced.TotalSeconds:F0}/s); " +
                          $"last at the ministry after {endToEnd.TotalSeconds:F1} s → sustained {total / endToEnd.TotalSeconds:F0} messages/s end to end");
        Console.WriteLine($"hop city → province (incl. relay pickup): {Percentiles(hop1)}");
        Console.WriteLine($"hop province → ministry:                 {Percentiles(hop2)}");
        Console.WriteLine($"city → ministry:                         {Percentiles(both)}");
        var counters = await CountersAsync(federation["100000"]);
        Console.WriteLine($"ministry counters: applied={counters.GetValueOrDefault("applied") - warmUp} duplicates={counters.GetValueOrDefault("duplicates")}; " +
                          $"load average after: {LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// 交办 round trip ministry → province → city → province → ministry: POST /api/v1/assignments at the ministry, the
    /// city's case appears (the in-memory city resolves it at once), the result is visible at the ministry
    /// (GET /api/v1/assignments/{n} status resolved). Sequential, one assignment at a time; polls every 5 ms.
    /// </summary>
    private static async Task<int> RoundTripAsync(int count)
    {
        await using var federation = await TestFederation.StartAsync(
        [
            TestFederation.National("440000"),
            TestFederation.Province("440000", "广东省", "440300"),
            TestFederation.City("440300", "深圳市"),
        ]);
        Console.WriteLine($"federation roundtrip: {count} assignments 100000 → 440000 → 440300 and back; load average before: {LoadAverage()}");
        var ministry = federation["100000"].Client;
        var city = federation["440300"].City!;
        var down = new List<double>();
        var up = new List<double>();
        var total = new List<double>();
        for (var i = -3; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(ministry, "/api/v1/assignments",
                new { targetNode = "440300", type = "complaint", description = $"往返测量 {i}" });
            response.EnsureSuccessStatusCode();
            var number = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content))
                .GetProperty("caseNumber").GetString()!;
            FakeCase? there;
            while ((there = city.ByOrigin(number)) is null)
            {
                await Task.Delay(5);
            }

            var arrived = Stopwatch.GetTimestamp();
            city.ChangeStatus(there.CaseNumber, "closed", "已办结");
            while (true)
            {
                var view = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(ministry, $"/api/v1/assignments/{number}");
                if (view.GetProperty("status").GetString() == "resolved")
                {
                    break;
                }

                await Task.Delay(5);
            }

            var back = Stopwatch.GetTimestamp();
            if (i >= 0)
            {
                // The first three warm up the handlers (runtime code generation) and are not counted.
                down.Add(Ms(start, arrived));
                up.Add(Ms(arrived, back));
                total.Add(Ms(start, back));
            }
        }

        Console.WriteLine($"ministry → city (2 hops, from the POST): {Percentiles([.. down])}");
        Console.WriteLine($"city → ministry (relay + 2 hops):        {Percentiles([.. up])}");
        Console.WriteLine($"round trip:                              {Percentiles([.. total])}; load average after: {LoadAverage()}");
        return 0;
    }

    private static async Task ObserveAsync(TestFederation federation, int baseline, int total, long[] atProvince, long[] atMinistry, CancellationToken ct)
    {
        int seenProvince = 0, seenMinistry = 0;
        while (!ct.IsCancellationRequested && seenMinistry < total)
        {
            var province = Math.Min(total, await CountAsync(federation["440000"]) - baseline);
            var ministry = Math.Min(total, await CountAsync(federation["100000"]) - baseline);
            var now = Stopwatch.GetTimestamp();
            for (; seenProvince < province; seenProvince++)
            {
                atProvince[seenProvince] = now;
            }

            for (; seenMinistry < ministry; seenMinistry++)
            {
                // A case seen at the ministry before the province poll caught it: the province got it no later.
                if (atProvince[seenMinistry] == 0)
                {
                    atProvince[seenMinistry] = now;
                }

                Volatile.Write(ref atMinistry[seenMinistry], now);
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    private static async Task<int> CountAsync(TestNode node)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FederationDbContext>().ReportedCases.CountAsync();
    }

    private static async Task<Dictionary<string, long>> CountersAsync(TestNode node)
    {
        await using var scope = node.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FederationDbContext>().ReadCountersAsync(CancellationToken.None);
    }

    private static long Published(TestNode city)
    {
        using var scope = city.App.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<FederationDbContext>().Counters.AsNoTracking()
            .Where(c => c.Name == Counters.Published).Select(c => c.Value).FirstOrDefault();
    }

    private static double Ms(long from, long to) => Math.Max(0, Stopwatch.GetElapsedTime(from, to).TotalMilliseconds);

    private static string Percentiles(double[] values)
    {
        var sorted = values.Order().ToArray();
        double P(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return FormattableString.Invariant($"p50 {P(0.50):F0} ms, p95 {P(0.95):F0} ms, p99 {P(0.99):F0} ms, max {sorted[^1]:F0} ms");
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
