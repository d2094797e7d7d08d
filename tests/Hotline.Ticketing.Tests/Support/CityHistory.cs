using System.Globalization;

namespace Hotline.Ticketing.Tests.Support;

/// <summary>
/// A year of generated history of one city (深圳), the background a duplicate lookup meets in a running node: every day
/// brings inquiries, complaints, suggestions about the same subjects and places the labelled set talks about — taxis
/// refusing fares at 北站, buses not stopping at 科技园, ETC charged twice at 梅林 — with other plates, other routes and
/// other dates. Those look-alikes are what 查重 must tell apart from the same incident reported twice. Deterministic.
/// </summary>
internal static class CityHistory
{
    public sealed record Case(string Id, DateTimeOffset AcceptedAt, string Phone, string? Enterprise, string Text);

    private static readonly string[] Places =
    [
        "深圳北站", "福田口岸", "宝安机场", "罗湖火车站", "会展中心", "科技园站", "梅林收费站", "蛇口码头", "东部华侨城",
        "深圳湾口岸", "皇岗口岸", "南山汽车站", "龙华汽车站", "大学城", "人民医院", "市民中心",
    ];

    private static readonly string[] TaxiWords = ["出租车", "的士", "出租汽车"];

    private static readonly string[] Enterprises = ["鹏程出租", "深圳巴士集团", "深圳地铁集团", "深圳长运客运", "滴滴出行", "深圳高速公路股份", "安达驾校"];

    private static readonly Func<Random, string, string>[] Complaints =
    [
        (r, p) => $"在{p}打车，{Pick(r, TaxiWords)}{Plate(r)}司机拒载，嫌路程太近。",
        (r, p) => $"{p}的{Pick(r, TaxiWords)}拒绝载客，车牌{Plate(r)}，态度很差。",
        (r, p) => $"{Pick(r, TaxiWords)}司机绕路，从{p}到{Pick(r, Places)}多收了{r.Next(10, 80)}元车费，车牌{Plate(r)}。",
        (r, p) => $"{Pick(r, TaxiWords)}{Plate(r)}计价器跳得很快，怀疑被改装。",
        (r, p) => $"{Route(r)}公交车在{p}不停靠，司机直接开过站，乘客无法下车。",
        (r, p) => $"公交{Route(r)}司机急刹车，车上有老人摔倒，在{p}附近。",
        (r, p) => $"{Route(r)}公交车发车间隔太长，在{p}等了四十分钟。",
        (r, p) => $"网约车司机中途要求加价，不加钱就让下车，车牌{Plate(r)}。",
        (r, p) => $"网约车平台取消订单后预付款没有退回，已经{r.Next(3, 20)}天。",
        (r, p) => $"地铁{r.Next(1, 15)}号线{p}扶梯停止运行，很多乘客差点摔倒。",
        (r, p) => $"地铁{r.Next(1, 15)}号线列车故障停车{r.Next(10, 40)}分钟，车厢闷热。",
        (r, p) => $"高速公路{p}ETC通道扣费两次，同一次通行被扣了两笔。",
        (r, p) => $"长途客运站售票员多收手续费，买去{Pick(r, ["广州", "东莞", "珠海", "汕头"])}的车票被加收{r.Next(5, 30)}元。",
        (r, p) => $"长途大巴超载，过道站满了人，车牌{Plate(r)}。",
        (r, p) => $"驾校收了学费不安排练车，已经等了{r.Next(1, 6)}个月。",
        (r, p) => $"{p}附近道路坑洼严重，路面塌陷，存在安全隐患。",
        (r, p) => $"{p}开往珠海的船班延误{r.Next(1, 5)}小时没有任何通知。",
        (r, p) => $"{p}出租车排队区管理混乱，有人插队无人管理。",
    ];

    private static readonly Func<Random, string, string>[] Others =
    [
        (r, p) => $"请问{p}到{Pick(r, Places)}的大巴几点发车，多久一班？",
        (r, p) => $"咨询{Route(r)}公交车的首末班时间。",
        (r, p) => $"咨询：出租车起步价是多少？",
        (r, p) => $"咨询ETC在哪里办理，{p}附近有没有网点？",
        (r, p) => $"地铁{r.Next(1, 15)}号线{p}的失物招领电话是多少？",
        (r, p) => $"建议{p}附近增加公交线路，方便市民出行。",
        (r, p) => $"在{p}乘坐出租车时遗失钱包，请帮助查找。",
        (r, p) => $"表扬{Pick(r, TaxiWords)}{Plate(r)}司机热心服务，拾金不昧。",
    ];

    /// <summary>
    /// <paramref name="perDay"/> cases a day over the <paramref name="days"/> days before <paramref name="until"/>, office
    /// hours, about a third complaints, from a pool of callers where some call again.
    /// </summary>
    public static List<Case> Generate(DateTimeOffset until, int days, int perDay, int seed = 440300)
    {
        var random = new Random(seed);
        var callers = Enumerable.Range(0, days * perDay / 2)
            .Select(_ => "13" + random.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture)).ToArray();
        var cases = new List<Case>(days * perDay);
        for (var d = days; d >= 1; d--)
        {
            var day = until.AddDays(-d);
            for (var i = 0; i < perDay; i++)
            {
                var at = new DateTimeOffset(day.Year, day.Month, day.Day, 8, 0, 0, day.Offset).AddMinutes(random.Next(12 * 60));
                var place = Pick(random, Places);
                var complaint = random.NextDouble() < 0.35;
                var text = complaint ? Complaints[random.Next(Complaints.Length)](random, place) : Others[random.Next(Others.Length)](random, place);
                var enterprise = complaint && random.NextDouble() < 0.3 ? Pick(random, Enterprises) : null;
                cases.Add(new Case("bg-" + cases.Count.ToString(CultureInfo.InvariantCulture), at, Pick(random, callers), enterprise, text));
            }
        }

        return cases;
    }

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static string Plate(Random random) =>
        "粤B" + (random.NextDouble() < 0.3 ? "D" + random.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture)
            : random.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture));

    private static string Route(Random random) =>
        (random.NextDouble() < 0.2 ? "M" + random.Next(100, 500).ToString(CultureInfo.InvariantCulture) : random.Next(1, 400).ToString(CultureInfo.InvariantCulture)) + "路";
}
