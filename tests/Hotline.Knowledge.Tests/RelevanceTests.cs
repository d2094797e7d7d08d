using System.Globalization;
using Hotline.Knowledge.Content;
using Hotline.Knowledge.Persistence;
using Hotline.Knowledge.Search;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Store;

namespace Hotline.Knowledge.Tests;

/// <summary>
/// A labelled relevance set over the demo knowledge of all three tiers (31 articles): 36 Chinese queries of six kinds,
/// each with the articles a good answer includes. The module's search (SmartCn, synonyms, pinyin initials, bigram
/// fallback, edit distance) is measured by recall@5 and MRR beside a plain character-bigram index over the same
/// articles, and asserted above a floor and above the baseline.
/// </summary>
public sealed class RelevanceTests(ITestOutputHelper output)
{
    internal static readonly (string Kind, string Query, string[] Relevant)[] Set =
    [
        ("keyword", "起步价", ["FAQ-TAXI-001"]),
        ("keyword", "ETC办理", ["FAQ-ETC-001"]),
        ("keyword", "敬老卡", ["FAQ-BUS-001"]),
        ("keyword", "退票手续费", ["FAQ-COACH-001", "MOT-REG-003"]),
        ("keyword", "网约车驾驶员证", ["FAQ-RIDE-001"]),
        ("keyword", "运输证", ["FAQ-RIDE-002"]),
        ("keyword", "夜间公交", ["ROUTE-002"]),
        ("keyword", "驾校退费", ["GD-POL-003"]),
        ("spoken", "我想问一下打车起步多少钱", ["FAQ-TAXI-001"]),
        ("spoken", "你好，我东西落在出租车上了怎么办", ["FAQ-TAXI-002"]),
        ("spoken", "请问地铁几点停运啊", ["FAQ-METRO-001"]),
        ("spoken", "我投诉了多久能有回复", ["MOT-FAQ-002"]),
        ("spoken", "开网约车要办什么证", ["FAQ-RIDE-001", "GD-POL-005"]),
        ("spoken", "坐大巴退票要扣多少钱", ["FAQ-COACH-001", "MOT-REG-003"]),
        ("spoken", "老人坐公交免费吗", ["FAQ-BUS-001"]),
        ("synonym", "的士发票丢了", ["FAQ-TAXI-003"]),
        ("synonym", "大巴超员", ["GD-POL-004"]),
        ("synonym", "电子不停车收费在哪办", ["FAQ-ETC-001"]),
        ("synonym", "网络预约出租汽车多收费", ["FAQ-RIDE-003"]),
        ("synonym", "过路费多收了", ["GD-FAQ-001", "FAQ-ETC-002"]),
        ("synonym", "计程车拒载", ["FAQ-TAXI-004", "MOT-REG-001"]),
        ("synonym", "城轨运营时间", ["FAQ-METRO-001"]),
        ("paraphrase", "机场巴士多少钱一张票", ["ROUTE-001"]),
        ("paraphrase", "春节高速公路收不收费", ["GD-POL-002"]),
        ("paraphrase", "司机故意绕远路", ["FAQ-TAXI-004", "MOT-REG-001"]),
        ("paraphrase", "ETC重复扣款", ["FAQ-ETC-002"]),
        ("paraphrase", "12328可以打电话反映哪些问题", ["MOT-FAQ-001"]),
        ("paraphrase", "客运班线许可怎么申请", ["GD-POL-001"]),
        ("paraphrase", "哪些网约车平台是合法的", ["ENT-002"]),
        ("typo", "出祖车起步价", ["FAQ-TAXI-001"]),
        ("typo", "网约车架驶员证", ["FAQ-RIDE-001"]),
        ("typo", "敬老咔", ["FAQ-BUS-001"]),
        ("typo", "ETX办理", ["FAQ-ETC-001"]),
        ("typo", "地铁失物召领", ["FAQ-METRO-001"]),
        ("pinyin", "czc", ["FAQ-TAXI-001", "FAQ-TAXI-002", "FAQ-TAXI-003", "FAQ-TAXI-004"]),
        ("pinyin", "wyc", ["FAQ-RIDE-001", "FAQ-RIDE-002", "FAQ-RIDE-003", "ENT-002", "GD-POL-005"]),
    ];

    [Fact]
    public void Search_beats_a_character_bigram_baseline_above_the_floor()
    {
        Assert.True(Set.Length >= 30);
        var markdown = new MarkdownRenderer();
        var seed = DemoKnowledge.All();
        Assert.Equal(seed.Count, seed.Select(s => s.Article.Code).Distinct().Count());
        var articles = seed.Select((s, i) => new IndexedArticle(i + 1, s.Library, s.Article.Code!, s.Article.Title!,
            markdown.ToPlainText(s.Article.Body), s.Article.Category, null, null, null, s.Article.Keywords ?? [], null, null, 1, 0)).ToList();
        var libraries = articles.Select(a => a.Library).Distinct().ToArray();

        using var index = new KnowledgeIndex(null)
        {
            Synonyms = new SynonymSet(KnowledgeStartup.DefaultSynonyms.Select(s => (IReadOnlyList<string>)s.Split(','))),
        };
        index.Rebuild(articles);
        using var baseline = new BigramBaseline(articles);

        var ours = Measure(q => index.Search(new KnowledgeQuery(q, libraries, Limit: 5)).Select(h => h.Code).ToList());
        var base_ = Measure(q => baseline.Search(q, 5));

        output.WriteLine($"{"kind",-11} {"n",3} | {"recall@5",9} {"MRR",6} | {"bigram r@5",10} {"MRR",6}");
        foreach (var kind in Set.Select(s => s.Kind).Distinct().Append("all"))
        {
            var o = ours.Where(r => kind == "all" || r.Kind == kind).ToList();
            var b = base_.Where(r => kind == "all" || r.Kind == kind).ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{kind,-11} {o.Count,3} | {o.Average(r => r.Recall),9:F3} {o.Average(r => r.Rr),6:F3} | {b.Average(r => r.Recall),10:F3} {b.Average(r => r.Rr),6:F3}"));
        }

        foreach (var miss in ours.Where(r => r.Rr < 1))
        {
            output.WriteLine($"  ours below rank 1: [{miss.Kind}] {miss.Query} → {string.Join(", ", miss.Top)}");
        }

        var recall = ours.Average(r => r.Recall);
        var mrr = ours.Average(r => r.Rr);
        Assert.True(recall >= 0.85, $"recall@5 {recall:F3} is below the floor 0.85");
        Assert.True(mrr >= 0.80, $"MRR {mrr:F3} is below the floor 0.80");
        Assert.True(recall > base_.Average(r => r.Recall) + 0.05, "the analysis should beat the bigram baseline's recall@5 clearly");
        Assert.True(mrr > base_.Average(r => r.Rr) + 0.05, "the analysis should beat the bigram baseline's MRR clearly");
    }

    private static List<(string Kind, string Query, double Recall, double Rr, List<string> Top)> Measure(Func<string, List<string>> search) =>
        [.. Set.Select(s =>
        {
            var top = search(s.Query).Take(5).ToList();
            var found = s.Relevant.Count(top.Contains);
            var first = top.FindIndex(s.Relevant.Contains);
            return (s.Kind, s.Query, found / (double)Math.Min(5, s.Relevant.Length), first < 0 ? 0.0 : 1.0 / (first + 1), top);
        })];

    /// <summary>The plain baseline: title and text as character bigrams (CJKAnalyzer), the query's bigrams OR-ed.</summary>
    private sealed class BigramBaseline : IDisposable
    {
        private readonly RAMDirectory _dir = new();
        private readonly CJKAnalyzer _analyzer = new(Lucene.Net.Util.LuceneVersion.LUCENE_48);
        private readonly DirectoryReader _reader;

        public BigramBaseline(IEnumerable<IndexedArticle> articles)
        {
            using (var writer = new IndexWriter(_dir, new IndexWriterConfig(Lucene.Net.Util.LuceneVersion.LUCENE_48, _analyzer)))
            {
                foreach (var a in articles)
                {
                    writer.AddDocument(new Document
                    {
                        new StringField("code", a.Code, Field.Store.YES),
                        new TextField("t", a.Title + " " + a.Text, Field.Store.NO),
                    });
                }
            }

            _reader = DirectoryReader.Open(_dir);
        }

        public List<string> Search(string q, int n)
        {
            var query = new BooleanQuery();
            using (var ts = _analyzer.GetTokenStream("t", q))
            {
                var term = ts.AddAttribute<ICharTermAttribute>();
                ts.Reset();
                while (ts.IncrementToken())
                {
                    query.Add(new TermQuery(new Term("t", term.ToString())), Occur.SHOULD);
                }

                ts.End();
            }

            var searcher = new IndexSearcher(_reader);
            return [.. searcher.Search(query, n).ScoreDocs.Select(d => searcher.Doc(d.Doc).Get("code"))];
        }

        public void Dispose()
        {
            _reader.Dispose();
            _analyzer.Dispose();
            _dir.Dispose();
        }
    }
}
