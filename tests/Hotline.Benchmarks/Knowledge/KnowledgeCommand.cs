using System.Diagnostics;
using System.Globalization;
using Hotline.Knowledge.Content;
using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Persistence;
using Hotline.Knowledge.Search;
using Hotline.ServiceDefaults;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Benchmarks.Knowledge;

/// <summary>
/// <c>dotnet run -c Release --project tests/Hotline.Benchmarks -- knowledge [articles=100000] [queries=3000]</c>: fills a
/// SQLite knowledge store with synthetic published articles, rebuilds the on-disk index from it (timed), reports the
/// index size, then times as-you-type searches (every prefix of real questions, pinyin initials, typos) and prints
/// p50/p95/p99. Results are copied into docs/benchmarks.md.
/// </summary>
public static class KnowledgeCommand
{
    private static readonly string[] Subjects =
    [
        "出租车", "网约车", "公交车", "地铁", "长途客车", "机场大巴", "轮渡", "高速公路", "ETC", "驾校", "客运站", "收费站", "货车", "共享单车",
        "城际铁路", "旅游包车", "危险品运输", "道路救援", "停车场", "公交卡",
    ];

    private static readonly string[] Topics =
    [
        "起步价", "计价标准", "发票补开", "失物招领", "投诉渠道", "退票规定", "改签手续", "运营时间", "首末班时间", "票价调整", "办理条件",
        "申请材料", "办理时限", "服务规范", "违规处罚", "优惠政策", "免费通行", "扣费异常", "安全检查", "线路调整",
    ];

    private static readonly string[] Districts = ["福田", "罗湖", "南山", "宝安", "龙岗", "龙华", "盐田", "坪山", "光明", "大鹏"];

    private static readonly string[] Questions =
    [
        "出租车起步价多少", "网约车驾驶员证怎么办", "地铁几点停运", "长途客车退票手续费", "ETC扣费异常怎么办", "驾校退费规定", "机场大巴票价",
        "公交卡优惠政策", "的士发票丢了", "高速公路节假日免费通行", "czc", "wyc", "dtyy", "出祖车起步价", "ETX办理",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        if (args.Length > 0 && args[0] == "analyze")
        {
            Analyze(Arg(1, 5000));
            return 0;
        }

        var count = Arg(0, 100_000);
        var queries = Arg(1, 3000);
        var dir = Path.Combine(Path.GetTempPath(), "hotline-kb-bench-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        try
        {
            var storage = new StorageOptions { DataDirectory = dir };
            var builder = new DbContextOptionsBuilder<KnowledgeDbContext>();
            builder.UseNodeDatabase(storage, "440300", KnowledgeDbContext.Module);
            var options = builder.Options;
            var fill = Stopwatch.StartNew();
            await using (var db = new KnowledgeDbContext(options))
            {
                await db.EnsureModuleSchemaAsync(CancellationToken.None);
                db.Libraries.Add(new Library { Code = "faq", Name = "常见问题", NameEn = "FAQ", IsPublic = true });
                await db.SaveChangesAsync();
                db.ChangeTracker.AutoDetectChangesEnabled = false;
                var random = new Random(20261204);
                for (var start = 0; start < count; start += 5000)
                {
                    var batch = Enumerable.Range(start, Math.Min(5000, count - start)).Select(i => Synthetic(i, random)).ToList();
                    db.Articles.AddRange(batch);
                    await db.SaveChangesAsync();
                    db.Versions.AddRange(batch.Select(a => ArticleVersion.Of(a, 1, a.UpdatedAt, "bench")));
                    await db.SaveChangesAsync();
                    db.ChangeTracker.Clear();
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"filled {count:N0} published articles in {fill.Elapsed.TotalSeconds:F1} s"));

            using var index = new KnowledgeIndex(Path.Combine(dir, "knowledge-index"));
            var sync = new IndexSync(index, new MarkdownRenderer());
            var rebuild = Stopwatch.StartNew();
            int indexed;
            await using (var db = new KnowledgeDbContext(options))
            {
                db.Synonyms.AddRange(KnowledgeStartup.DefaultSynonyms.Select(s => new SynonymGroup { Terms = s }));
                await db.SaveChangesAsync();
                indexed = await sync.RebuildAsync(db, CancellationToken.None);
            }

            rebuild.Stop();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"full rebuild from the database: {indexed:N0} articles in {rebuild.Elapsed.TotalSeconds:F1} s ({indexed / rebuild.Elapsed.TotalSeconds:N0} articles/s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"index size on disk: {index.SizeInBytes() / 1024.0 / 1024.0:F1} MiB"));

            // As you type: every prefix of each question (1 … n characters), as the box sends them.
            var typed = Questions.SelectMany(q => Enumerable.Range(1, q.Length).Select(n => q[..n])).ToArray();
            var libraries = new[] { "faq" };
            foreach (var q in typed)
            {
                index.Search(new KnowledgeQuery(q, libraries, Limit: 8));
            }

            var times = new double[queries];
            var hits = 0L;
            for (var i = 0; i < queries; i++)
            {
                var q = typed[i % typed.Length];
                var sw = Stopwatch.GetTimestamp();
                hits += index.Search(new KnowledgeQuery(q, libraries, ValidOn: new DateOnly(2026, 12, 4), Limit: 8)).Count;
                times[i] = Stopwatch.GetElapsedTime(sw).TotalMilliseconds;
            }

            Array.Sort(times);
            double P(double p) => times[Math.Min(times.Length - 1, (int)Math.Ceiling(p * times.Length) - 1)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"as-you-type search, {queries:N0} queries over {typed.Length} prefixes: p50 {P(0.50):F2} ms, p95 {P(0.95):F2} ms, p99 {P(0.99):F2} ms, max {times[^1]:F2} ms; {hits / (double)queries:F1} hits/query"));
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }

    /// <summary>Where the indexing time goes: Markdown to text, and each analysis chain over the same texts.</summary>
    private static void Analyze(int n)
    {
        var random = new Random(1);
        var articles = Enumerable.Range(0, n).Select(i => Synthetic(i, random)).ToList();
        var markdown = new MarkdownRenderer();
        using var analyzer = new KnowledgeAnalyzer();
        analyzer.Terms(KnowledgeFields.Text, "预热分词词典");
        var sw = Stopwatch.StartNew();
        var texts = articles.Select(a => markdown.ToPlainText(a.Body)).ToList();
        Console.WriteLine($"markdown → text: {sw.ElapsedMilliseconds} ms");
        foreach (var field in new[] { KnowledgeFields.Text, KnowledgeFields.Bigrams, KnowledgeFields.Initials })
        {
            sw.Restart();
            var terms = texts.Sum(t => analyzer.Terms(field, t).Count);
            Console.WriteLine($"{field}: {sw.ElapsedMilliseconds} ms for {n} texts, {terms} terms");
        }

        sw.Restart();
        var initials = texts.Sum(t => PinyinInitials.Of(t).Length);
        Console.WriteLine($"pinyin initials: {sw.ElapsedMilliseconds} ms ({initials})");
    }

    private static Article Synthetic(int i, Random random)
    {
        var subject = Subjects[random.Next(Subjects.Length)];
        var topic = Topics[random.Next(Topics.Length)];
        var district = Districts[random.Next(Districts.Length)];
        var other = Subjects[random.Next(Subjects.Length)];
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i);
        return new Article
        {
            Library = "faq",
            Code = "B-" + i.ToString("D6", CultureInfo.InvariantCulture),
            Title = $"{district}区{subject}{topic}（第{i % 97}号）",
            Body = $"关于{district}区{subject}的{topic}：乘客可通过12328、网站或微信咨询。{other}相关事项另见专门说明。" +
                   $"办理时请携带身份证件，工作日{8 + (i % 3)}:00至17:30受理，节假日顺延。\n\n| 项目 | 标准 |\n| --- | --- |\n| {topic} | {i % 50 + 2}元 |",
            Category = "03" + (i % 9).ToString("D2", CultureInfo.InvariantCulture) + "00",
            Keywords = $"{subject},{topic},{district}",
            Status = ArticleStatus.Published,
            Online = true,
            LiveVersion = 1,
            Owner = "bench",
            CreatedAt = at,
            UpdatedAt = at,
        };
    }
}
