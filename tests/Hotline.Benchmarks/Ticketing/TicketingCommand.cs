using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Ticketing;
using Hotline.Ticketing.Duplicates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotline.Benchmarks.Ticketing;

/// <summary>
/// Stopwatch harnesses for the ticketing targets of issue 3:
/// <c>dotnet run -c Release --project tests/Hotline.Benchmarks -- ticketing duplicates [cases=1000000] [queries=2000]</c> and
/// <c>… -- ticketing create [seconds=20] [concurrency=16]</c>. Results are copied into docs/benchmarks.md.
/// </summary>
public static class TicketingCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var what = args.Length > 0 ? args[0] : "";
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        switch (what)
        {
            case "duplicates":
                DuplicateLookup(Arg(1, 1_000_000), Arg(2, 2000));
                return 0;
            case "create":
                await CreateCasesAsync(Arg(1, 20), Arg(2, 16));
                return 0;
            case "wrk":
                await WrkAsync(Arg(1, 20), Arg(2, 16));
                return 0;
            case "profile":
                await ProfileAsync(Arg(1, 3000));
                return 0;
            default:
                Console.Error.WriteLine("usage: ticketing duplicates [cases] [queries] | ticketing create [seconds] [concurrency] | ticketing wrk [seconds] [connections] | ticketing profile [cases]");
                return 2;
        }
    }

    private static readonly string[] Districts = ["福田", "罗湖", "南山", "宝安", "龙岗", "龙华", "盐田", "坪山", "光明", "大鹏"];
    private static readonly string[] Roads =
    [
        "深南大道", "北环大道", "滨海大道", "红荔路", "福华路", "建设路", "人民路", "沙河西路", "科苑路", "宝安大道",
        "布吉路", "梅观路", "新洲路", "彩田路", "皇岗路", "东门路", "桂园路", "南海大道", "前海路", "民治大道",
    ];
    private static readonly string[] Landmarks = ["地铁站", "公交站", "火车站", "汽车站", "机场", "口岸", "码头", "医院", "学校", "商场", "小区", "收费站", "服务区"];
    private static readonly string[] Vehicles = ["出租车", "网约车", "公交车", "地铁", "长途大巴", "旅游大巴", "货车", "渡轮", "驾校教练车", "共享单车"];
    private static readonly string[] Problems =
    [
        "司机拒载", "司机绕路多收费", "不打表", "中途加价", "服务态度恶劣", "车内吸烟", "开车打电话", "超速行驶", "闯红灯", "过站不停",
        "到站不开门", "急刹车乘客摔倒", "车辆脏乱", "空调不开", "拒绝刷卡", "多收行李费", "超员载客", "票价不明码标价", "发车晚点", "延误不通知",
        "扶梯停运", "安检排队过长", "道路坑洼", "路面塌陷", "施工无警示", "遗撒砂石", "噪音扰民", "乱停乱放", "占用盲道", "信号灯故障",
        "预付款未退", "重复扣费", "发票不给", "丢失物品不归还", "辱骂乘客", "酒后驾驶", "疲劳驾驶", "车辆破旧", "拒绝老人乘车", "拒载残疾人",
    ];
    private static readonly string[] Details =
    [
        "请尽快处理", "希望严肃处理", "已经不是第一次了", "要求退还费用", "希望给个说法", "当时很多人都看到了", "有行车记录可以证明",
        "司机还骂人", "我有录音", "乘客都很气愤", "孩子差点受伤", "耽误了航班", "耽误了上班", "天气很热", "晚上十点左右",
        "早高峰的时候", "周末下午", "下雨天", "带着老人", "带着行李",
    ];

    /// <summary>
    /// 查重 against a store of <paramref name="cases"/> synthetic cases spread over a year (≈ 2,700 a day): index build,
    /// then p50/p95/p99 of the lookup for new cases (30% of them re-reports of a recent incident).
    /// </summary>
    private static void DuplicateLookup(int cases, int queries)
    {
        var rng = new Random(12328);
        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));
        var start = now.AddDays(-365);
        var cache = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string[] Words(string phrase)
        {
            if (!cache.TryGetValue(phrase, out var w))
            {
                w = ChineseText.Tokenize(phrase);
                cache[phrase] = w;
            }

            return w;
        }

        var index = new DuplicateIndex();
        var docs = new List<(string Place, string Vehicle, string Plate, string Problem)>(cases);
        var memoryBefore = GC.GetTotalMemory(true);
        var build = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            var place = Districts[rng.Next(Districts.Length)] + Roads[rng.Next(Roads.Length)] + Landmarks[rng.Next(Landmarks.Length)];
            var vehicle = Vehicles[rng.Next(Vehicles.Length)];
            var plate = "粤B" + rng.Next(10000, 99999).ToString(CultureInfo.InvariantCulture);
            var problem = Problems[rng.Next(Problems.Length)];
            var detail = Details[rng.Next(Details.Length)];
            var words = Words(place).Concat(Words(vehicle)).Concat(Words(problem)).Concat(Words(detail)).Distinct(StringComparer.Ordinal).ToArray();
            var at = start + TimeSpan.FromTicks((now - start).Ticks / cases * i);
            var phone = "13" + rng.Next(100000000, 999999999).ToString(CultureInfo.InvariantCulture);
            index.Add($"440300-{i:0000000}", at, phone, ["plate:" + plate], words);
            docs.Add((place, vehicle, plate, problem));
        }

        build.Stop();
        var memory = GC.GetTotalMemory(true) - memoryBefore;
        Console.WriteLine($"index: {cases:N0} cases built in {build.Elapsed.TotalSeconds:F1} s, ~{memory / 1024 / 1024:N0} MiB managed");

        var lookup = new List<double>(queries);
        var total = new List<double>(queries);
        var window = TimeSpan.FromDays(30);
        var threshold = new TicketingOptions().DuplicateThreshold;
        var found = 0;
        for (var q = -200; q < queries; q++)
        {
            string text;
            string plate;
            if (rng.NextDouble() < 0.3)
            {
                var d = docs[cases - 1 - rng.Next(Math.Min(cases, 50_000))];
                text = $"{d.Place}附近，{d.Vehicle}{d.Plate}{d.Problem}，{Details[rng.Next(Details.Length)]}。";
                plate = d.Plate;
            }
            else
            {
                plate = "粤B" + rng.Next(10000, 99999).ToString(CultureInfo.InvariantCulture);
                text = $"在{Districts[rng.Next(Districts.Length)]}{Roads[rng.Next(Roads.Length)]}{Landmarks[rng.Next(Landmarks.Length)]}，{Vehicles[rng.Next(Vehicles.Length)]}{plate}{Problems[rng.Next(Problems.Length)]}，{Details[rng.Next(Details.Length)]}。";
            }

            var sw = Stopwatch.StartNew();
            var words = ChineseText.Tokenize(text);
            var entities = ChineseText.Entities(text, null);
            var tokenized = sw.Elapsed.TotalMilliseconds;
            var result = index.Find("13" + rng.Next(100000000, 999999999).ToString(CultureInfo.InvariantCulture), entities, words, now, window, threshold, 20);
            var elapsed = sw.Elapsed.TotalMilliseconds;
            if (q >= 0)
            {
                lookup.Add(elapsed - tokenized);
                total.Add(elapsed);
                found += result.Count > 0 ? 1 : 0;
            }
        }

        Console.WriteLine($"lookup ({queries:N0} queries, 30-day window, threshold {threshold:F2}, {found:N0} with a likely duplicate): {Percentiles(lookup)}");
        Console.WriteLine($"tokenize + lookup: {Percentiles(total)}");
    }

    private static async Task<(WebApplication App, string Url, string Data)> StartHostAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "hotline-bench-" + Guid.NewGuid().ToString("N"));
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
            ["RateLimiting:Public:Endpoints:case-filing:PermitLimit"] = "1000000",
        });
        builder.AddNodeOptions();
        builder.Services.AddAuthentication();
        builder.Services.AddAuthorizationBuilder().AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
        builder.Services.AddProblemDetails();
        builder.Services.AddPublicRateLimiter(builder.Configuration);
        builder.AddTicketingModule();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapTicketingEndpoints();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, url, data);
    }

    private static async Task StopHostAsync(WebApplication app, string data)
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(data, recursive: true);
    }

    private static string RandomDescription(Random rng) =>
        $"{Districts[rng.Next(Districts.Length)]}{Roads[rng.Next(Roads.Length)]}{Landmarks[rng.Next(Landmarks.Length)]}，" +
        $"{Vehicles[rng.Next(Vehicles.Length)]}粤B{rng.Next(10000, 99999)}{Problems[rng.Next(Problems.Length)]}，{Details[rng.Next(Details.Length)]}。";

    private static string RandomPhone(Random rng) => "13" + rng.Next(100000000, 999999999).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Where the time of one acceptance goes: CPU per stage measured one stage at a time (tokenize, duplicate lookup, the
    /// acceptance handler without HTTP, sequential and concurrent), then through HTTP.
    /// </summary>
    private static async Task ProfileAsync(int n)
    {
        var rng = new Random(7);
        var texts = Enumerable.Range(0, n).Select(_ => RandomDescription(rng)).ToArray();
        foreach (var t in texts.Take(200))
        {
            ChineseText.Tokenize(t);
        }

        var (cpu, wall) = Measure(() =>
        {
            foreach (var t in texts)
            {
                ChineseText.Tokenize(t);
            }
        });
        Console.WriteLine($"tokenize (SmartCn): {cpu / n:F3} ms CPU, {wall / n:F3} ms wall per case");

        var (app, url, data) = await StartHostAsync();
        try
        {
            var commands = texts.Select(t => new AcceptCase(CaseChannel.Web, CaseType.Complaint, t, "030200", RandomPhone(rng))).ToArray();
            async Task AcceptRange(int from, int to)
            {
                for (var i = from; i < to; i++)
                {
                    await using var scope = app.Services.CreateAsyncScope();
                    var intake = scope.ServiceProvider.GetRequiredService<ICaseIntake>();
                    var r = await intake.AcceptAsync(commands[i], CancellationToken.None);
                    if (!r.IsSuccess)
                    {
                        throw new InvalidOperationException(r.Error!.Message);
                    }
                }
            }

            await AcceptRange(0, 200);
            var half = n / 2;
            (cpu, wall) = await MeasureAsync(() => AcceptRange(200, half));
            Console.WriteLine($"accept handler, sequential: {cpu / (half - 200):F3} ms CPU, {wall / (half - 200):F3} ms wall per case");
            var per = (n - half) / 16;
            (cpu, wall) = await MeasureAsync(() => Task.WhenAll(Enumerable.Range(0, 16).Select(w => AcceptRange(half + (w * per), half + ((w + 1) * per)))));
            Console.WriteLine($"accept handler, 16 concurrent: {cpu / (per * 16):F3} ms CPU per case, {per * 16 / (wall / 1000):N0} cases/s");

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(url) };
            async Task PostRange(int count, Random r)
            {
                for (var i = 0; i < count; i++)
                {
                    using var response = await http.PostAsJsonAsync("/api/v1/cases",
                        new { type = "complaint", category = "030200", description = RandomDescription(r), phone = RandomPhone(r) });
                    if ((int)response.StatusCode != 201)
                    {
                        throw new InvalidOperationException($"HTTP {(int)response.StatusCode}");
                    }
                }
            }

            await PostRange(200, rng);
            (cpu, wall) = await MeasureAsync(() => PostRange(n / 2, rng));
            Console.WriteLine($"HTTP POST (client in process), sequential: {cpu / (n / 2):F3} ms CPU, {wall / (n / 2):F3} ms wall per case");
            (cpu, wall) = await MeasureAsync(() => Task.WhenAll(Enumerable.Range(0, 16).Select(w => PostRange(n / 32, new Random(w)))));
            Console.WriteLine($"HTTP POST, 16 concurrent: {cpu / (n / 32 * 16):F3} ms CPU per case, {n / 32 * 16 / (wall / 1000):N0} cases/s");
            Console.WriteLine($"machine load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
        }
        finally
        {
            await StopHostAsync(app, data);
        }
    }

    /// <summary>
    /// POST /api/v1/cases driven by wrk (a separate C process, 2 threads, keep-alive connections) against the host in this
    /// process: wrk's own throughput and latency distribution, plus the host's CPU per case and the rows actually stored.
    /// </summary>
    private static async Task WrkAsync(int seconds, int connections)
    {
        static string Lua(string name, string[] values) =>
            $"local {name} = {{ {string.Join(", ", values.Select(v => "\"" + v + "\""))} }}\n";
        var script = Path.Combine(Path.GetTempPath(), "hotline-bench-" + Guid.NewGuid().ToString("N") + ".lua");
        await File.WriteAllTextAsync(script,
            Lua("d", Districts) + Lua("r", Roads) + Lua("l", Landmarks) + Lua("v", Vehicles) + Lua("p", Problems) + Lua("x", Details) + """
            local function pick(t) return t[math.random(#t)] end
            local headers = { ["Content-Type"] = "application/json" }
            setup = function(thread) thread:set("seed", math.random(1, 1000000)) end
            init = function(args) math.randomseed(seed or os.time()) end
            request = function()
              local body = string.format('{"type":"complaint","category":"030200","description":"%s%s%s，%s粤B%d%s，%s。","phone":"13%09d"}',
                pick(d), pick(r), pick(l), pick(v), math.random(10000, 99999), pick(p), pick(x), math.random(100000000, 999999999))
              return wrk.format("POST", "/api/v1/cases", headers, body)
            end
            """);
        var (app, url, data) = await StartHostAsync();
        try
        {
            Console.WriteLine($"host: {url}, SQLite under {data}; wrk -t2 -c{connections}, 3 s warm-up then {seconds} s");
            await RunWrkAsync(url, script, 3, connections);
            var countBefore = await CountCasesAsync(app);
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var output = await RunWrkAsync(url, script, seconds, connections);
            var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
            var stored = await CountCasesAsync(app) - countBefore;
            Console.WriteLine(output);
            Console.WriteLine($"stored {stored:N0} cases in the measured run = {stored / (double)seconds:N0} cases/s; host CPU {cpu.TotalMilliseconds / Math.Max(1, stored):F2} ms per case; " +
                              $"machine load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
        }
        finally
        {
            await StopHostAsync(app, data);
            File.Delete(script);
        }
    }

    private static async Task<long> CountCasesAsync(WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Hotline.Ticketing.Persistence.TicketingDbContext>();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.LongCountAsync(db.Cases);
    }

    private static async Task<string> RunWrkAsync(string url, string script, int seconds, int connections)
    {
        var psi = new ProcessStartInfo("wrk", ["-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "-s", script, url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("wrk did not start (apt-get install wrk).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (await stdout) + (await stderr);
    }

    private static (double CpuMs, double WallMs) Measure(Action action)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var sw = Stopwatch.StartNew();
        action();
        return ((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds, sw.Elapsed.TotalMilliseconds);
    }

    private static async Task<(double CpuMs, double WallMs)> MeasureAsync(Func<Task> action)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var sw = Stopwatch.StartNew();
        await action();
        return ((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds, sw.Elapsed.TotalMilliseconds);
    }

    /// <summary>POST /api/v1/cases against a real Kestrel host on SQLite for <paramref name="seconds"/> s.</summary>
    private static async Task CreateCasesAsync(int seconds, int concurrency)
    {
        var (app, url, data) = await StartHostAsync();
        Console.WriteLine($"host: {url}, SQLite under {data}, {concurrency} concurrent clients, {seconds} s after a 3 s warm-up");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(url) };
        var latencies = new List<double>[concurrency];
        var errors = 0;
        var measuring = false;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, concurrency).Select(async w =>
        {
            var rng = new Random(w);
            var mine = latencies[w] = new List<double>(100_000);
            while (!stop.IsCancellationRequested)
            {
                var body = new
                {
                    type = "complaint",
                    category = "030200",
                    description = RandomDescription(rng),
                    phone = RandomPhone(rng),
                };
                var sw = Stopwatch.StartNew();
                try
                {
                    using var response = await http.PostAsJsonAsync("/api/v1/cases", body);
                    if ((int)response.StatusCode != 201)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                if (measuring)
                {
                    mine.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
        }).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(3));
        measuring = true;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        measuring = false;
        clock.Stop();
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        var all = latencies.SelectMany(l => l).ToList();
        Console.WriteLine($"created {all.Count:N0} cases in {clock.Elapsed.TotalSeconds:F1} s = {all.Count / clock.Elapsed.TotalSeconds:N0} cases/s, errors {errors}");
        Console.WriteLine($"latency: {Percentiles(all)}");
        Console.WriteLine($"CPU (server + load clients, one process): {cpu.TotalMilliseconds / Math.Max(1, all.Count):F2} ms per case; " +
                          $"machine load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
        await StopHostAsync(app, data);
    }

    private static string Percentiles(List<double> values)
    {
        values.Sort();
        double P(double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"p50 {P(0.50):F2} ms, p95 {P(0.95):F2} ms, p99 {P(0.99):F2} ms, max {values[^1]:F2} ms (n={values.Count:N0})");
    }
}
