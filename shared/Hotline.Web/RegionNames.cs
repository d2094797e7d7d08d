namespace Hotline.Web;

/// <summary>Names of province-level divisions (GB/T 2260), used when configuration does not name a site.</summary>
public static class RegionNames
{
    private static readonly Dictionary<string, string> Provinces = new(StringComparer.Ordinal)
    {
        ["100000"] = "交通运输部", ["110000"] = "北京市", ["120000"] = "天津市", ["130000"] = "河北省", ["140000"] = "山西省",
        ["150000"] = "内蒙古自治区", ["210000"] = "辽宁省", ["220000"] = "吉林省", ["230000"] = "黑龙江省", ["310000"] = "上海市",
        ["320000"] = "江苏省", ["330000"] = "浙江省", ["340000"] = "安徽省", ["350000"] = "福建省", ["360000"] = "江西省",
        ["370000"] = "山东省", ["410000"] = "河南省", ["420000"] = "湖北省", ["430000"] = "湖南省", ["440000"] = "广东省",
        ["450000"] = "广西壮族自治区", ["460000"] = "海南省", ["500000"] = "重庆市", ["510000"] = "四川省", ["520000"] = "贵州省",
        ["530000"] = "云南省", ["540000"] = "西藏自治区", ["610000"] = "陕西省", ["620000"] = "甘肃省", ["630000"] = "青海省",
        ["640000"] = "宁夏回族自治区", ["650000"] = "新疆维吾尔自治区",
        ["440100"] = "广州市", ["440300"] = "深圳市", ["320100"] = "南京市",
    };

    /// <summary>The configured name, else the built-in one, else the code itself.</summary>
    public static string NameOf(string code, IReadOnlyDictionary<string, string>? configured = null) =>
        configured is not null && configured.TryGetValue(code, out var name) ? name
        : Provinces.TryGetValue(code, out var known) ? known
        : code;
}
