using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Highlight;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Hotline.Knowledge.Search;

/// <summary>An online article as the index holds it (the text is the body without markup).</summary>
internal sealed record IndexedArticle(
    long Id,
    string Library,
    string Code,
    string Title,
    string Text,
    string? Category,
    string? Region,
    DateOnly? ValidFrom,
    DateOnly? ValidTo,
    IReadOnlyList<string> Keywords,
    string? Enterprise,
    string? Route,
    int Version,
    int Uses);

/// <summary>A search: the words, the libraries the caller may read, and the filters.</summary>
internal sealed record KnowledgeQuery(
    string Text,
    IReadOnlyCollection<string> Libraries,
    string? Category = null,
    string? Region = null,
    DateOnly? ValidOn = null,
    int Limit = 10);

/// <summary>One hit, best first: the snippet as plain text and, for pages, as HTML with the matches in &lt;mark&gt;.</summary>
internal sealed record KnowledgeHit(long Id, string Code, string Title, string Library, string Snippet, string SnippetHtml,
    string TitleHtml, string? Category, string? Region, float Score, int Version);

/// <summary>
/// The Lucene.Net index of the online articles (one folder per node, rebuilt from the database at start). Queries
/// combine SmartCn words over title, keywords and text, the editors' synonyms, character bigrams as a fallback,
/// pinyin initials (as-you-type and homophone typos) and edit distance for Latin words (ETC); the relevance score is
/// then weighed by use. Thread-safe: one writer, near-real-time searchers.
/// </summary>
internal sealed partial class KnowledgeIndex : IDisposable
{
    private const int Candidates = 30;

    private static readonly ISet<string> IdOnly = new HashSet<string> { KnowledgeFields.Id };

    /// <summary>Stored, analyzed, with term vectors and offsets so a hit is highlighted without analysing it again.</summary>
    private static readonly FieldType HighlightedText = CreateHighlightedText();

    private static FieldType CreateHighlightedText()
    {
        var type = new FieldType(TextField.TYPE_STORED)
        {
            StoreTermVectors = true,
            StoreTermVectorPositions = true,
            StoreTermVectorOffsets = true,
        };
        type.Freeze();
        return type;
    }

    private readonly LuceneDirectory _directory;
    private readonly KnowledgeAnalyzer _analyzer = new();
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;
    private readonly ConcurrentDictionary<long, int> _uses = new();
    private volatile SynonymSet _synonyms = SynonymSet.Empty;

    public KnowledgeIndex(string? folder)
    {
        _directory = folder is null ? new RAMDirectory() : FSDirectory.Open(new DirectoryInfo(folder));
        var config = new IndexWriterConfig(KnowledgeAnalyzer.Version, _analyzer)
        {
            OpenMode = OpenMode.CREATE_OR_APPEND,
            Similarity = new BM25Similarity(),
            RAMBufferSizeMB = 64,
        };
        _writer = new IndexWriter(_directory, config);
        _searchers = new SearcherManager(_writer, applyAllDeletes: true, new Bm25SearcherFactory());
    }

    public SynonymSet Synonyms
    {
        get => _synonyms;
        set => _synonyms = value ?? SynonymSet.Empty;
    }

    public int Count
    {
        get
        {
            var s = _searchers.Acquire();
            try
            {
                return s.IndexReader.NumDocs;
            }
            finally
            {
                _searchers.Release(s);
            }
        }
    }

    /// <summary>Bytes the index takes in its folder (after the last commit).</summary>
    public long SizeInBytes() => _directory.ListAll().Sum(f =>
    {
        try
        {
            return _directory.FileLength(f);
        }
        catch (FileNotFoundException)
        {
            return 0L;
        }
    });

    /// <summary>Replaces the whole index by <paramref name="articles"/> (start-up rebuild from the database).</summary>
    public int Rebuild(IEnumerable<IndexedArticle> articles)
    {
        ArgumentNullException.ThrowIfNull(articles);
        _writer.DeleteAll();
        _uses.Clear();
        var n = 0;
        foreach (var article in articles)
        {
            _writer.AddDocument(Document(article));
            _uses[article.Id] = article.Uses;
            n++;
        }

        _writer.Commit();
        _searchers.MaybeRefreshBlocking();
        return n;
    }

    public void Put(IndexedArticle article)
    {
        ArgumentNullException.ThrowIfNull(article);
        _writer.UpdateDocument(new Term(KnowledgeFields.Id, Key(article.Id)), Document(article));
        _uses[article.Id] = article.Uses;
        _searchers.MaybeRefreshBlocking();
    }

    public void Remove(long id)
    {
        _writer.DeleteDocuments(new Term(KnowledgeFields.Id, Key(id)));
        _uses.TryRemove(id, out _);
        _searchers.MaybeRefreshBlocking();
    }

    public void SetUses(long id, int uses)
    {
        if (_uses.ContainsKey(id))
        {
            _uses[id] = uses;
        }
    }

    public void Commit() => _writer.Commit();

    public IReadOnlyList<KnowledgeHit> Search(KnowledgeQuery request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = KnowledgeAnalyzer.Normalize(request.Text);
        if (text.Length == 0 || request.Libraries.Count == 0)
        {
            return [];
        }

        var relevance = Relevance(text);
        if (relevance.Clauses.Count == 0)
        {
            return [];
        }

        var query = new BooleanQuery { { relevance, Occur.MUST }, { new ConstantScoreQuery(Filter(request)) { Boost = 0f }, Occur.MUST } };
        var searcher = _searchers.Acquire();
        try
        {
            var top = searcher.Search(query, Math.Max(Candidates, request.Limit));
            var ranked = top.ScoreDocs
                .Select(d => (Doc: d.Doc, Score: d.Score * UseWeight(searcher.Doc(d.Doc, IdOnly).Get(KnowledgeFields.Id))))
                .OrderByDescending(x => x.Score)
                .Take(Math.Clamp(request.Limit, 1, 50))
                .ToList();
            var textHighlighter = Highlighter(relevance, KnowledgeFields.Text);
            var titleHighlighter = Highlighter(relevance, KnowledgeFields.Title);
            return [.. ranked.Select(r => Hit(searcher.IndexReader, r.Doc, searcher.Doc(r.Doc), r.Score, textHighlighter, titleHighlighter))];
        }
        finally
        {
            _searchers.Release(searcher);
        }
    }

    /// <summary>The relevance part of a query (public for the relevance tests and the benchmark).</summary>
    internal BooleanQuery Relevance(string text)
    {
        var root = new BooleanQuery();
        var words = _analyzer.Terms(KnowledgeFields.Text, text);
        AddWords(root, words, 1f);

        // Synonyms: each group word found in the query also stands for the group's other words.
        var seen = new HashSet<string>(words, StringComparer.Ordinal);
        foreach (var alternative in _synonyms.Alternatives(text))
        {
            var extra = _analyzer.Terms(KnowledgeFields.Text, alternative).Where(seen.Add).ToList();
            AddWords(root, extra, 0.8f);
        }

        // Character bigrams: a wrong character still leaves the neighbouring bigrams.
        var bigrams = _analyzer.Terms(KnowledgeFields.Bigrams, text).Distinct(StringComparer.Ordinal).ToList();
        if (bigrams.Count > 0)
        {
            var bg = new BooleanQuery { Boost = 0.35f };
            foreach (var b in bigrams)
            {
                bg.Add(new TermQuery(new Term(KnowledgeFields.Bigrams, b)), Occur.SHOULD);
            }

            root.Add(bg, Occur.SHOULD);
        }

        // Pinyin initials: typed letters (czc) as a prefix of a word's or the title's initials; in Chinese queries the
        // initials of 2–4 character runs catch a homophone typo (出祖车 → czc = 出租车).
        if (LettersOnly().IsMatch(text))
        {
            root.Add(new PrefixQuery(new Term(KnowledgeFields.TitleInitials, text)) { Boost = 3f }, Occur.SHOULD);
            root.Add(new PrefixQuery(new Term(KnowledgeFields.Initials, text)) { Boost = 2f }, Occur.SHOULD);
        }
        else
        {
            var py = new BooleanQuery { Boost = 0.5f };
            foreach (Match run in ChineseRun().Matches(text))
            {
                var initials = PinyinInitials.Of(run.Value);
                for (var len = 2; len <= Math.Min(4, initials.Length); len++)
                {
                    for (var i = 0; i + len <= initials.Length; i++)
                    {
                        py.Add(new TermQuery(new Term(KnowledgeFields.Initials, initials.Substring(i, len))), Occur.SHOULD);
                    }
                }
            }

            if (py.Clauses.Count > 0)
            {
                root.Add(py, Occur.SHOULD);
            }
        }

        return root;
    }

    private static void AddWords(BooleanQuery root, IReadOnlyList<string> words, float weight)
    {
        foreach (var word in words.Distinct(StringComparer.Ordinal))
        {
            var w = new BooleanQuery { Boost = weight };
            w.Add(new TermQuery(new Term(KnowledgeFields.Title, word)) { Boost = 3f }, Occur.SHOULD);
            w.Add(new TermQuery(new Term(KnowledgeFields.Keywords, word)) { Boost = 2.5f }, Occur.SHOULD);
            w.Add(new TermQuery(new Term(KnowledgeFields.Text, word)), Occur.SHOULD);
            w.Add(new TermQuery(new Term(KnowledgeFields.Code, word)) { Boost = 4f }, Occur.SHOULD);
            if (word.Length >= 3 && word.All(char.IsAsciiLetterOrDigit))
            {
                w.Add(new FuzzyQuery(new Term(KnowledgeFields.Keywords, word), 1) { Boost = 1.5f }, Occur.SHOULD);
                w.Add(new FuzzyQuery(new Term(KnowledgeFields.Title, word), 1), Occur.SHOULD);
            }

            root.Add(w, Occur.SHOULD);
        }
    }

    private static BooleanQuery Filter(KnowledgeQuery request)
    {
        var filter = new BooleanQuery();
        var libraries = new BooleanQuery();
        foreach (var library in request.Libraries)
        {
            libraries.Add(new TermQuery(new Term(KnowledgeFields.Library, library)), Occur.SHOULD);
        }

        filter.Add(libraries, Occur.MUST);
        if (!string.IsNullOrWhiteSpace(request.Category))
        {
            // A parent code (0302 or 030200) also finds its children (030201 …).
            var prefix = request.Category.Trim();
            while (prefix.Length > 2 && prefix.EndsWith("00", StringComparison.Ordinal))
            {
                prefix = prefix[..^2];
            }

            filter.Add(new PrefixQuery(new Term(KnowledgeFields.Category, prefix)), Occur.MUST);
        }

        if (!string.IsNullOrWhiteSpace(request.Region))
        {
            filter.Add(new BooleanQuery
            {
                { new TermQuery(new Term(KnowledgeFields.Region, request.Region.Trim())), Occur.SHOULD },
                { new TermQuery(new Term(KnowledgeFields.Region, KnowledgeFields.AnyRegion)), Occur.SHOULD },
            }, Occur.MUST);
        }

        if (request.ValidOn is { } day)
        {
            var d = DayNumber(day);
            filter.Add(NumericRangeQuery.NewInt32Range(KnowledgeFields.ValidFrom, null, d, true, true), Occur.MUST);
            filter.Add(NumericRangeQuery.NewInt32Range(KnowledgeFields.ValidTo, d, null, true, true), Occur.MUST);
        }

        return filter;
    }

    private float UseWeight(string id) =>
        _uses.TryGetValue(long.Parse(id, CultureInfo.InvariantCulture), out var uses) && uses > 0 ? 1f + (0.12f * MathF.Log(1 + uses)) : 1f;

    private Highlighter Highlighter(Query query, string field) =>
        new(new SimpleHTMLFormatter("<mark>", "</mark>"), new SimpleHTMLEncoder(), new QueryScorer(query, field))
        {
            TextFragmenter = new SimpleFragmenter(90),
        };

    private KnowledgeHit Hit(IndexReader reader, int docId, Document doc, float score, Highlighter textHighlighter, Highlighter titleHighlighter)
    {
        var title = doc.Get(KnowledgeFields.Title);
        var text = doc.Get(KnowledgeFields.Text) ?? "";

        // The term vectors (with offsets) stored for title and text spare re-segmenting the hit for its highlight.
        var snippetHtml = textHighlighter.GetBestFragment(TokenSources.GetAnyTokenStream(reader, docId, KnowledgeFields.Text, _analyzer), text)
            ?? WebUtility.HtmlEncode(text.Length > 90 ? text[..90] + "…" : text);
        var titleHtml = titleHighlighter.GetBestFragment(TokenSources.GetAnyTokenStream(reader, docId, KnowledgeFields.Title, _analyzer), title)
            ?? WebUtility.HtmlEncode(title);
        var snippet = WebUtility.HtmlDecode(snippetHtml.Replace("<mark>", "", StringComparison.Ordinal).Replace("</mark>", "", StringComparison.Ordinal));
        var region = doc.Get(KnowledgeFields.Region);
        return new KnowledgeHit(
            long.Parse(doc.Get(KnowledgeFields.Id), CultureInfo.InvariantCulture),
            doc.Get(KnowledgeFields.Code),
            title,
            doc.Get(KnowledgeFields.Library),
            snippet,
            snippetHtml,
            titleHtml,
            doc.Get(KnowledgeFields.Category),
            region == KnowledgeFields.AnyRegion ? null : region,
            score,
            int.Parse(doc.Get(KnowledgeFields.Version), CultureInfo.InvariantCulture));
    }

    private Document Document(IndexedArticle a)
    {
        var title = KnowledgeAnalyzer.Normalize(a.Title);
        var text = KnowledgeAnalyzer.Normalize(a.Text);
        var keywords = KnowledgeAnalyzer.Normalize(string.Join(" ", a.Keywords.Append(a.Enterprise ?? "").Append(a.Route ?? "")));
        var initials = string.Join(" ", _analyzer.Terms(KnowledgeFields.Text, title + " " + keywords)
            .Where(PinyinInitials.IsChinese)
            .Select(PinyinInitials.Of)
            .Where(i => i.Length >= 2)
            .Distinct(StringComparer.Ordinal));
        var doc = new Document
        {
            new StringField(KnowledgeFields.Id, Key(a.Id), Field.Store.YES),
            new StringField(KnowledgeFields.Library, a.Library, Field.Store.YES),
            new StringField(KnowledgeFields.Code, a.Code.ToLowerInvariant(), Field.Store.NO),
            new StoredField(KnowledgeFields.Code, a.Code),
            new Field(KnowledgeFields.Title, a.Title, HighlightedText),
            new Field(KnowledgeFields.Text, a.Text, HighlightedText),
            new TextField(KnowledgeFields.Keywords, keywords, Field.Store.NO),
            new StringField(KnowledgeFields.Category, a.Category ?? "", Field.Store.YES),
            new StringField(KnowledgeFields.Region, a.Region ?? KnowledgeFields.AnyRegion, Field.Store.YES),
            new Int32Field(KnowledgeFields.ValidFrom, a.ValidFrom is { } f ? DayNumber(f) : 0, Field.Store.NO),
            new Int32Field(KnowledgeFields.ValidTo, a.ValidTo is { } t ? DayNumber(t) : int.MaxValue, Field.Store.NO),
            new TextField(KnowledgeFields.Bigrams, title + " " + keywords + " " + text, Field.Store.NO),
            new TextField(KnowledgeFields.Initials, initials, Field.Store.NO),
            new StringField(KnowledgeFields.TitleInitials, PinyinInitials.Of(title), Field.Store.NO),
            new StoredField(KnowledgeFields.Version, a.Version.ToString(CultureInfo.InvariantCulture)),
        };
        return doc;
    }

    private static int DayNumber(DateOnly day) => (day.Year * 10000) + (day.Month * 100) + day.Day;

    private static string Key(long id) => id.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _searchers.Dispose();
        _writer.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }

    [GeneratedRegex("^[a-z]{2,12}$")]
    private static partial Regex LettersOnly();

    [GeneratedRegex("[\u4E00-\u9FFF]{2,}")]
    private static partial Regex ChineseRun();

    private sealed class Bm25SearcherFactory : SearcherFactory
    {
        public override IndexSearcher NewSearcher(IndexReader reader) => new(reader) { Similarity = new BM25Similarity() };
    }
}
