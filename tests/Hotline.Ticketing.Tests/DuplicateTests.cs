using System.Globalization;
using Hotline.Ticketing.Duplicates;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>查重: precision and recall of duplicate detection on a hand-labelled set, merge and un-merge through the API.</summary>
public sealed class DuplicateTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private sealed record Labelled(int Id, string Group, string Phone, string? Enterprise, int HoursAgo, string Text);

    private static List<Labelled> LoadSet()
    {
        var rows = new List<Labelled>();
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "duplicates-labelled.tsv")))
        {
            if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var f = line.Split('\t');
            rows.Add(new Labelled(rows.Count, f[0], f[1], f[2].Length == 0 ? null : f[2], int.Parse(f[3], CultureInfo.InvariantCulture), f[4]));
        }

        return rows;
    }

    [Fact]
    public void Precision_and_recall_on_the_labelled_set()
    {
        var threshold = new TicketingOptions().DuplicateThreshold;
        var set = LoadSet();
        foreach (var t in new[] { 0.3, 0.35, 0.4, 0.45 })
        {
            var (p, r) = Evaluate(t, verbose: false);
            output.WriteLine($"  threshold {t:F2}: precision {p.Tp / (double)Math.Max(1, p.Tp + p.Fp):P1}, recall {r:P1}");
        }

        ((int Tp, int Fp, int Fn), double Recall) Evaluate(double t, bool verbose)
        {
            var index = new DuplicateIndex();
            var now = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));
            int tp = 0, fp = 0, fn = 0;
            // Cases arrive oldest first; each is looked up against those before it, as on acceptance.
            foreach (var c in set.OrderByDescending(c => c.HoursAgo).ThenBy(c => c.Id))
            {
                var at = now.AddHours(-c.HoursAgo);
                var words = ChineseText.Tokenize(c.Text);
                var entities = ChineseText.Entities(c.Text, c.Enterprise);
                var found = index.Find(c.Phone, entities, words, at, TimeSpan.FromDays(30), t, 20)
                    .Select(m => int.Parse(m.CaseNumber, CultureInfo.InvariantCulture)).ToHashSet();
                var truth = set.Where(o => o.Group == c.Group && o.Id != c.Id && (o.HoursAgo > c.HoursAgo || (o.HoursAgo == c.HoursAgo && o.Id < c.Id)))
                    .Select(o => o.Id).ToHashSet();
                foreach (var id in found)
                {
                    if (truth.Contains(id))
                    {
                        tp++;
                    }
                    else
                    {
                        fp++;
                        if (verbose)
                        {
                            output.WriteLine($"false positive: [{c.Group}] {c.Text}  ~  [{set[id].Group}] {set[id].Text}");
                        }
                    }
                }

                foreach (var id in truth.Where(t => !found.Contains(t)))
                {
                    fn++;
                    if (verbose)
                    {
                        output.WriteLine($"missed: [{c.Group}] {c.Text}  ~  {set[id].Text}");
                    }
                }

                index.Add(c.Id.ToString(CultureInfo.InvariantCulture), at, c.Phone, entities, words);
            }

            return ((tp, fp, fn), tp / (double)Math.Max(1, tp + fn));
        }

        var ((tp, fp, fn), _) = Evaluate(threshold, verbose: true);
        var precision = tp / (double)Math.Max(1, tp + fp);
        var recall = tp / (double)Math.Max(1, tp + fn);
        output.WriteLine($"labelled set: {set.Count} cases, {set.Select(s => s.Group).Distinct().Count()} incidents, {tp + fn} duplicate pairs");
        output.WriteLine($"threshold {threshold}: TP {tp}, FP {fp}, FN {fn} → precision {precision:P1}, recall {recall:P1}");
        Assert.True(tp + fn >= 20, "the labelled set must hold at least 20 duplicate pairs");
        Assert.True(precision >= 0.85, $"precision {precision:P1} below 85%");
        Assert.True(recall >= 0.75, $"recall {recall:P1} below 75%");
    }

    [Fact]
    public void Precision_at_3_and_recall_at_5_over_a_year_of_city_history()
    {
        // The labelled cases arrive in a city that already holds a year of history (about 20,000 cases, 55 a day), as a
        // running node does; the history's look-alikes (same subjects and places, other plates, routes and dates) are not
        // duplicates of anything labelled. The node's own threshold decides what is listed.
        var threshold = new TicketingOptions().DuplicateThreshold;
        var set = LoadSet();
        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));
        var index = new DuplicateIndex();
        var history = CityHistory.Generate(now.AddDays(-2), days: 365, perDay: 55);
        foreach (var c in history)
        {
            index.Add(c.Id, c.AcceptedAt, c.Phone, ChineseText.Entities(c.Text, c.Enterprise), ChineseText.Tokenize(c.Text));
        }

        var labelled = set.OrderByDescending(c => c.HoursAgo).ThenBy(c => c.Id).ToList();
        foreach (var c in labelled)
        {
            index.Add(c.Id.ToString(CultureInfo.InvariantCulture), now.AddHours(-c.HoursAgo), c.Phone,
                ChineseText.Entities(c.Text, c.Enterprise), ChineseText.Tokenize(c.Text));
        }

        foreach (var t in new[] { 0.25, 0.3, 0.35, 0.4, 0.45 })
        {
            var (p3, r5, _) = Score(t, verbose: false);
            output.WriteLine($"  threshold {t:F2}: precision@3 {p3:F2}, recall@5 {r5:F2}");
        }

        (double P3, double R5, string Counts) Score(double t, bool verbose)
        {
            int relevantAt3 = 0, returnedAt3 = 0, relevantAt5 = 0, truthTotal = 0;
            foreach (var c in labelled)
            {
                var id = c.Id.ToString(CultureInfo.InvariantCulture);
                var earlier = labelled.TakeWhile(o => o.Id != c.Id).Select(o => o.Id.ToString(CultureInfo.InvariantCulture)).ToHashSet();
                var truth = labelled.TakeWhile(o => o.Id != c.Id).Where(o => o.Group == c.Group).Select(o => o.Id.ToString(CultureInfo.InvariantCulture)).ToHashSet();
                if (truth.Count == 0)
                {
                    continue;
                }

                // As on acceptance: only what came before the case counts (later labelled cases are not candidates).
                var top = index.FindFor(id, TimeSpan.FromDays(30), t, 40)
                    .Where(m => m.CaseNumber.StartsWith("bg-", StringComparison.Ordinal) || earlier.Contains(m.CaseNumber)).Take(5).ToList();
                truthTotal += truth.Count;
                var top3 = top.Take(3).ToList();
                returnedAt3 += top3.Count;
                relevantAt3 += top3.Count(m => truth.Contains(m.CaseNumber));
                relevantAt5 += top.Count(m => truth.Contains(m.CaseNumber));
                if (verbose)
                {
                    foreach (var miss in top3.Where(m => !truth.Contains(m.CaseNumber)))
                    {
                        var other = miss.CaseNumber.StartsWith("bg-", StringComparison.Ordinal)
                            ? history[int.Parse(miss.CaseNumber[3..], CultureInfo.InvariantCulture)].Text
                            : set[int.Parse(miss.CaseNumber, CultureInfo.InvariantCulture)].Text;
                        output.WriteLine($"near-miss in top 3 ({miss.Score:F2}): [{c.Group}] {c.Text}  ~  {other}");
                    }

                    foreach (var missed in truth.Where(x => top.All(m => m.CaseNumber != x)))
                    {
                        output.WriteLine($"missed in top 5: [{c.Group}] {c.Text}  ~  {set[int.Parse(missed, CultureInfo.InvariantCulture)].Text}");
                    }
                }
            }

            return (relevantAt3 / (double)Math.Max(1, returnedAt3), relevantAt5 / (double)Math.Max(1, truthTotal),
                $"{relevantAt3}/{returnedAt3}, {relevantAt5}/{truthTotal}");
        }

        var (precisionAt3, recallAt5, counts) = Score(threshold, verbose: true);
        output.WriteLine($"background: {history.Count} cases over 365 days; labelled: {set.Count} cases");
        output.WriteLine($"threshold {threshold:F2}: precision@3 {precisionAt3:F2}, recall@5 {recallAt5:F2} ({counts})");
        Assert.True(precisionAt3 >= 0.8, $"precision@3 {precisionAt3:F2} below 0.8");
        Assert.True(recallAt5 >= 0.8, $"recall@5 {recallAt5:F2} below 0.8");
    }

    [Fact]
    public void SmartCn_segments_Chinese_words()
    {
        var words = ChineseText.Tokenize("出租车司机拒载，车牌粤B12345，在深圳北站。");
        Assert.Contains("出租车", words);
        Assert.Contains("司机", words);
        Assert.Contains("深圳", words);
        Assert.DoesNotContain("，", words);
        Assert.Contains("plate:粤B12345", ChineseText.Entities("车牌粤b·12345被投诉", null));
        Assert.Contains("route:23", ChineseText.Entities("23路公交车", null));
        Assert.Contains("ent:鹏程出租", ChineseText.Entities(null, "鹏程出租有限公司"));
    }

    [Fact]
    public async Task Api_lists_duplicates_best_first_and_merge_and_unmerge_work()
    {
        var anon = _host.Anonymous();
        var master = await LifecycleTests.CreateAsync(anon, "23路公交车在科技园站不停靠，司机直接开过站，乘客无法下车。", phone: "13800000005", category: "030100");
        _host.Clock.Advance(TimeSpan.FromHours(1));
        var close = await LifecycleTests.CreateAsync(anon, "公交23路科技园站过站不停，好几位乘客没能下车。", phone: "13800000006", category: "030100");
        _host.Clock.Advance(TimeSpan.FromHours(1));
        var far = await LifecycleTests.CreateAsync(anon, "科技园站的23路公交车不停站就开走。", phone: "13800000007", category: "030100");
        _host.Clock.Advance(TimeSpan.FromHours(1));
        var unrelated = await LifecycleTests.CreateAsync(anon, "驾校收了学费不安排练车，已经等了两个月。", phone: "13800000021", category: "010300");

        var agent = _host.As("agent1", "agent");
        var dups = await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{close}/duplicates");
        var list = dups.EnumerateArray().Select(d => (Case: d.GetProperty("caseNumber").GetString(), Score: d.GetProperty("score").GetDouble())).ToList();
        Assert.Contains(list, d => d.Case == master);
        Assert.DoesNotContain(list, d => d.Case == unrelated);
        Assert.All(list, d => Assert.InRange(d.Score, 0, 1));
        Assert.Equal(list.OrderByDescending(d => d.Score).Select(d => d.Case), list.Select(d => d.Case));
        output.WriteLine(string.Join(", ", list.Select(d => $"{d.Case}={d.Score}")));

        // Merge the newer reports into the master; they disappear from duplicate lists and follow the master's result.
        var merged = await LifecycleTests.ActAsync(agent, close, "merge", new { masterCaseNumber = master });
        Assert.Equal("merged", merged.GetProperty("status").GetString());
        await LifecycleTests.ActAsync(agent, far, "merge", new { masterCaseNumber = master });
        var afterMerge = await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{master}/duplicates");
        Assert.DoesNotContain(afterMerge.EnumerateArray(), d => d.GetProperty("caseNumber").GetString() == close);
        var chain = await agent.PostJson($"/api/v1/cases/{unrelated}/actions/merge", new { masterCaseNumber = close });
        Assert.Equal(HttpStatusCode.Conflict, chain.StatusCode);

        // Un-merge one: it returns to its former state and to the duplicate lists.
        var unmerged = await LifecycleTests.ActAsync(agent, far, "unmerge", new { reason = "不是同一事件" });
        Assert.Equal("accepted", unmerged.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, unmerged.GetProperty("masterCaseNumber").ValueKind);
        Assert.Contains((await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{master}/duplicates")).EnumerateArray(),
            d => d.GetProperty("caseNumber").GetString() == far);

        // Closing the master tells every merged reporter the result.
        await LifecycleTests.ActAsync(agent, master, "dispatch", new { unit = "市公交管理处" });
        await LifecycleTests.ActAsync(_host.As("h", "handler"), master, "receive");
        await LifecycleTests.ActAsync(_host.As("h", "handler"), master, "reply", new { text = "已对23路司机批评教育并考核。" });
        await LifecycleTests.ActAsync(_host.As("r", "reviewer"), master, "approveReply");
        await using var scope = _host.Scope();
        var feed = await scope.ServiceProvider.GetRequiredService<ICaseFeed>().ReadAfterAsync(0, 200, CancellationToken.None);
        var notified = feed.Where(f => f.EventType == "citizenNotified").Select(f => f.CaseNumber).Order().ToArray();
        Assert.Equal(new[] { master, close }.Order().ToArray(), notified);
        Assert.Single(feed, f => f.EventType == "merged" && f.CaseNumber == close);
        Assert.Single(feed, f => f.EventType == "unmerged" && f.CaseNumber == far);
        var child = await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{close}");
        Assert.Equal("已对23路司机批评教育并考核。", child.GetProperty("reply").GetString());
    }
}

/// <summary>The candidate narrowing of the duplicate index loses nothing an exhaustive scan would find.</summary>
public sealed class DuplicateIndexPruningTests
{
    [Fact]
    public void Pruned_lookup_finds_what_an_exhaustive_scan_finds()
    {
        var rng = new Random(7);
        var vocabulary = Enumerable.Range(0, 400).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        // Zipf-like: low word numbers are very common, high ones rare.
        string Word() => vocabulary[(int)Math.Min(vocabulary.Length - 1, Math.Floor(Math.Pow(rng.NextDouble(), 3) * vocabulary.Length))];
        var at = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var docs = new List<string[]>();
        var index = new DuplicateIndex();
        for (var i = 0; i < 5000; i++)
        {
            var words = Enumerable.Range(0, rng.Next(4, 14)).Select(_ => Word()).Distinct().ToArray();
            if (i > 0 && rng.NextDouble() < 0.2)
            {
                words = docs[rng.Next(docs.Count)].Where(_ => rng.NextDouble() < 0.8).Append(Word()).Distinct().ToArray();
            }

            docs.Add(words);
            index.Add(i.ToString(CultureInfo.InvariantCulture), at.AddMinutes(i), null, [], words);
        }

        var df = docs.SelectMany(d => d).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        double Idf2(string w) => Math.Pow(Math.Log(1 + (5000.0 / df[w])), 2);
        var compared = 0;
        for (var q = 0; q < 200; q++)
        {
            var query = docs[rng.Next(docs.Count)].Where(_ => rng.NextDouble() < 0.85).Append(Word()).Distinct().ToArray();
            var qn = query.Sum(Idf2);
            var expected = docs.Select((d, i) => (Id: i, Score: 0.85 * DuplicateIndex.TimeFactor(TimeSpan.FromMinutes(Math.Abs(1440 - i)))
                    * Math.Min(1, d.Intersect(query).Sum(Idf2) / Math.Sqrt(qn * d.Sum(Idf2)))))
                .Where(x => x.Score >= 0.45).Select(x => x.Id.ToString(CultureInfo.InvariantCulture)).ToHashSet();
            var found = index.Find(null, [], query, at.AddDays(1), TimeSpan.FromDays(30), 0.45, 10_000).Select(m => m.CaseNumber).ToHashSet();
            Assert.True(expected.SetEquals(found), $"query {q}: expected {expected.Count}, found {found.Count}");
            compared += expected.Count;
        }

        Assert.True(compared > 50, $"the random set should produce duplicates to compare (got {compared})");
    }
}
