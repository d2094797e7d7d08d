using System.Text.RegularExpressions;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;

namespace Hotline.Ticketing.Duplicates;

/// <summary>
/// Chinese word segmentation for duplicate detection (Lucene.Net SmartCn: HMM segmentation with a built-in dictionary)
/// plus extraction of the entities that identify an incident: vehicle plates, bus routes, enterprise names.
/// </summary>
internal static partial class ChineseText
{
    private static readonly SmartChineseAnalyzer Analyzer = new(LuceneVersion.LUCENE_48);

    private static readonly HashSet<string> StopWords =
    [
        "的", "了", "在", "是", "我", "有", "和", "就", "不", "人", "都", "一", "也", "很", "到", "说", "要", "去", "你",
        "会", "着", "没有", "看", "好", "自己", "这", "那", "他", "她", "们", "我们", "他们", "请", "希望", "请求", "要求",
        "反映", "投诉", "市民", "来电", "今天", "昨天", "一个", "上", "下", "把", "被", "给", "对", "与", "及", "等",
        "还", "又", "但", "而", "并", "时", "后", "前", "中", "里", "个", "吗", "呢", "吧", "啊", "该", "其",
    ];

    /// <summary>
    /// Words that name the same thing in citizens' own words, folded to one form before comparing: the colloquial and the
    /// official names of a vehicle (的士, 出租汽车 → 出租车), and everyday synonyms of the incidents the hotline hears.
    /// </summary>
    private static readonly Dictionary<string, string> Synonyms = new(StringComparer.Ordinal)
    {
        ["的士"] = "出租车", ["出租汽车"] = "出租车", ["计程车"] = "出租车", ["打车"] = "出租车",
        ["网络预约出租汽车"] = "网约车", ["长途客车"] = "大巴", ["长途大巴"] = "大巴", ["客船"] = "船", ["船班"] = "船",
        ["轮渡"] = "船", ["港口"] = "码头", ["晚点"] = "延误", ["退还"] = "退", ["退回"] = "退", ["退款"] = "退",
        ["自动扶梯"] = "扶梯", ["电梯"] = "扶梯", ["候车区"] = "排队区", ["上客区"] = "排队区", ["混乱"] = "乱",
        ["绕远路"] = "绕路", ["绕道"] = "绕路", ["拒绝载客"] = "拒载", ["车费"] = "费用", ["收费"] = "费用",
        ["塌"] = "塌陷", ["坑"] = "坑洼", ["大坑"] = "坑洼", ["急停"] = "停运", ["停止运行"] = "停运", ["停止"] = "停运",
        ["预付款"] = "预付", ["晚"] = "延误", ["秩序"] = "乱",
    };

    /// <summary>The distinct meaningful words of a text (synonyms folded), in first-seen order.</summary>
    public static string[] Tokenize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        using var stream = Analyzer.GetTokenStream("d", text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            var t = term.ToString();
            if (t.Length == 0 || StopWords.Contains(t) || (t.Length == 1 && !char.IsLetterOrDigit(t[0])))
            {
                continue;
            }

            t = Synonyms.GetValueOrDefault(t, t);
            if (seen.Add(t))
            {
                result.Add(t);
            }
        }

        stream.End();
        return [.. result];
    }

    /// <summary>Plates (粤B12345, 粤B·D12345), bus routes (23路), metro lines (5号线) and the normalized enterprise name.</summary>
    public static string[] Entities(string? text, string? enterprise)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(text))
        {
            foreach (Match m in Plate().Matches(text.ToUpperInvariant()))
            {
                set.Add("plate:" + m.Value.Replace("·", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
            }

            foreach (Match m in Route().Matches(text))
            {
                set.Add("route:" + m.Groups[1].Value);
            }

            foreach (Match m in MetroLine().Matches(text))
            {
                set.Add("line:" + m.Groups[1].Value);
            }
        }

        if (!string.IsNullOrWhiteSpace(enterprise))
        {
            set.Add("ent:" + NormalizeEnterprise(enterprise));
        }

        return [.. set];
    }

    /// <summary>The first plate found in a text, for the case's plate field.</summary>
    public static string? FirstPlate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var m = Plate().Match(text.ToUpperInvariant());
        return m.Success ? m.Value.Replace("·", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal) : null;
    }

    private static string NormalizeEnterprise(string name)
    {
        var n = name.Trim().Replace(" ", "", StringComparison.Ordinal);
        foreach (var suffix in new[] { "有限责任公司", "股份有限公司", "有限公司", "集团", "公司" })
        {
            if (n.EndsWith(suffix, StringComparison.Ordinal) && n.Length > suffix.Length)
            {
                n = n[..^suffix.Length];
            }
        }

        return n;
    }

    [GeneratedRegex("[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][·\\s]?[A-Z0-9]{5,6}")]
    private static partial Regex Plate();

    [GeneratedRegex("(?<![0-9])([0-9]{1,3}[A-Z]?)路")]
    private static partial Regex Route();

    [GeneratedRegex("(?<![0-9])([0-9]{1,2})号线")]
    private static partial Regex MetroLine();
}
