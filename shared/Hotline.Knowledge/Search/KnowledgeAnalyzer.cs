using System.Globalization;
using System.Text;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace Hotline.Knowledge.Search;

/// <summary>
/// The analysis of the knowledge index: SmartCn word segmentation (HMM with its dictionary) with the filler words of
/// spoken questions removed for the text fields, character bigrams for the fallback field <c>bg</c> (catches words the
/// segmenter splits differently and a wrong character), whitespace-separated pinyin initials for <c>py</c>.
/// </summary>
internal sealed class KnowledgeAnalyzer : Analyzer
{
    public const LuceneVersion Version = LuceneVersion.LUCENE_48;

    private static readonly string[] Fillers =
    [
        "的", "了", "吗", "呢", "吧", "啊", "呀", "么", "嘛", "哦", "哈", "我", "你", "您", "他", "她", "它", "我们", "想", "问",
        "问下", "问问", "一下", "请问", "请", "你好", "您好", "麻烦", "知道", "想要", "告诉", "那个", "这个", "就是", "一个",
        "是", "有", "在", "要", "能", "能不能", "可以", "可不可以", "应该", "需要", "怎么", "怎么样", "怎样", "如何", "什么",
        "哪些", "哪里", "哪儿", "哪", "多少", "几", "和", "与", "及", "或", "对", "得", "地", "还", "吗", "都", "也", "就",
        "会", "去", "给", "把", "被", "从", "到", "里", "上", "下", "个", "些", "该", "啥", "咋", "呗", "嗯", "喂",
    ];

    /// <summary>Words that carry no topic in a caller's question (请问/怎么/多少 …) plus SmartCn's punctuation.</summary>
    internal static readonly CharArraySet StopWords = CreateStopWords();

    /// <summary>Each field keeps its own chain (the default strategy would reuse the first field's chain for all).</summary>
    public KnowledgeAnalyzer()
        : base(PER_FIELD_REUSE_STRATEGY)
    {
    }

    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        switch (fieldName)
        {
            case KnowledgeFields.Bigrams:
            {
                var source = new StandardTokenizer(Version, reader);
                TokenStream stream = new CJKWidthFilter(source);
                stream = new LowerCaseFilter(Version, stream);
                stream = new CJKBigramFilter(stream);
                return new TokenStreamComponents(source, stream);
            }

            case KnowledgeFields.Initials:
            {
                var source = new WhitespaceTokenizer(Version, reader);
                return new TokenStreamComponents(source, new LowerCaseFilter(Version, source));
            }

            default:
            {
                var source = new HMMChineseTokenizer(reader);
                TokenStream stream = new LowerCaseFilter(Version, source);
                stream = new StopFilter(Version, stream, StopWords);
                return new TokenStreamComponents(source, stream);
            }
        }
    }

    /// <summary>The words of a text as the index sees them in <paramref name="field"/>.</summary>
    public IReadOnlyList<string> Terms(string field, string text)
    {
        var result = new List<string>();
        using var stream = GetTokenStream(field, text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            var t = term.ToString();
            if (t.Length > 0 && t.Any(char.IsLetterOrDigit))
            {
                result.Add(t);
            }
        }

        stream.End();
        return result;
    }

    /// <summary>Full-width letters and digits to ASCII, compatibility forms folded, lower case (NFKC).</summary>
    public static string Normalize(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.Normalize(NormalizationForm.FormKC).ToLower(CultureInfo.InvariantCulture).Trim();

    private static CharArraySet CreateStopWords()
    {
        var set = new CharArraySet(Version, Fillers, ignoreCase: true);
        foreach (var word in SmartChineseAnalyzer.DefaultStopSet)
        {
            set.Add(word);
        }

        return set;
    }
}

/// <summary>The field names of the knowledge index.</summary>
internal static class KnowledgeFields
{
    public const string Id = "id";
    public const string Library = "lib";
    public const string Code = "code";
    public const string Title = "title";
    public const string Text = "text";
    public const string Keywords = "kw";
    public const string Category = "cat";
    public const string Region = "region";
    public const string ValidFrom = "from";
    public const string ValidTo = "to";
    public const string Bigrams = "bg";
    public const string Initials = "py";
    public const string TitleInitials = "pyall";
    public const string Version = "ver";

    /// <summary>Region value of an article that applies everywhere.</summary>
    public const string AnyRegion = "*";
}
