using Hotline.Ticketing.Domain;

namespace Hotline.Ticketing.Deadlines;

/// <summary>
/// Default data a new node starts with: the State Council holiday schedules for 2025 and 2026 (国务院办公厅关于节假日安排的通知),
/// the SLA table (12345 practice: urgent same day, inquiries/help 3 working days, complaints/reports/suggestions 13), the
/// category codes and a few routing rules. Operations edit the tables afterwards; the seed runs once.
/// </summary>
internal static class SeedData
{
    public static IEnumerable<CalendarDay> Holidays()
    {
        // 2025 (国办发明电〔2024〕12号)
        foreach (var d in Range("2025-01-01", 1, "元旦", false)) yield return d;
        foreach (var d in Range("2025-01-28", 8, "春节", false)) yield return d;
        yield return Day("2025-01-26", "春节调休上班", true);
        yield return Day("2025-02-08", "春节调休上班", true);
        foreach (var d in Range("2025-04-04", 3, "清明节", false)) yield return d;
        foreach (var d in Range("2025-05-01", 5, "劳动节", false)) yield return d;
        yield return Day("2025-04-27", "劳动节调休上班", true);
        foreach (var d in Range("2025-05-31", 3, "端午节", false)) yield return d;
        foreach (var d in Range("2025-10-01", 8, "国庆节、中秋节", false)) yield return d;
        yield return Day("2025-09-28", "国庆节调休上班", true);
        yield return Day("2025-10-11", "国庆节调休上班", true);

        // 2026: 国务院办公厅关于2026年部分节假日安排的通知, dated 2025-11-04 (Xinhua full text; gov.cn content_7047090),
        // checked day by day in CalendarTests.The_2026_schedule_is_the_published_notice_day_by_day.
        foreach (var d in Range("2026-01-01", 3, "元旦", false)) yield return d;
        yield return Day("2026-01-04", "元旦调休上班", true);
        foreach (var d in Range("2026-02-15", 9, "春节", false)) yield return d;
        yield return Day("2026-02-14", "春节调休上班", true);
        yield return Day("2026-02-28", "春节调休上班", true);
        foreach (var d in Range("2026-04-04", 3, "清明节", false)) yield return d;
        foreach (var d in Range("2026-05-01", 5, "劳动节", false)) yield return d;
        yield return Day("2026-05-09", "劳动节调休上班", true);
        foreach (var d in Range("2026-06-19", 3, "端午节", false)) yield return d;
        foreach (var d in Range("2026-09-25", 3, "中秋节", false)) yield return d;
        foreach (var d in Range("2026-10-01", 7, "国庆节", false)) yield return d;
        yield return Day("2026-09-20", "国庆节调休上班", true);
        yield return Day("2026-10-10", "国庆节调休上班", true);
    }

    public static IEnumerable<SlaRule> SlaRules()
    {
        foreach (var type in Enum.GetValues<CaseType>())
        {
            var days = type is CaseType.Inquiry or CaseType.Help or CaseType.Praise ? 3 : 13;
            yield return new SlaRule { Type = type, Priority = CasePriority.Normal, WorkingDays = days };
            yield return new SlaRule { Type = type, Priority = CasePriority.Urgent, Hours = 24 };
        }

        // 城市客运 complaints (taxi, ride-hailing, bus, metro) are handled faster in most cities: 5 working days.
        yield return new SlaRule { Type = CaseType.Complaint, Category = "0302", Priority = CasePriority.Normal, WorkingDays = 5 };
        yield return new SlaRule { Type = CaseType.Complaint, Category = "0303", Priority = CasePriority.Normal, WorkingDays = 5 };
    }

    public static IEnumerable<CategoryCode> Categories() =>
    [
        new() { Code = "010000", Name = "道路运输" },
        new() { Code = "010100", Name = "道路客运", Parent = "010000" },
        new() { Code = "010200", Name = "道路货运", Parent = "010000" },
        new() { Code = "010300", Name = "机动车维修与驾培", Parent = "010000" },
        new() { Code = "020000", Name = "高速公路" },
        new() { Code = "020100", Name = "收费", Parent = "020000" },
        new() { Code = "020200", Name = "服务区", Parent = "020000" },
        new() { Code = "030000", Name = "城市客运" },
        new() { Code = "030100", Name = "公交", Parent = "030000" },
        new() { Code = "030200", Name = "出租汽车", Parent = "030000" },
        new() { Code = "030300", Name = "网约车", Parent = "030000" },
        new() { Code = "030400", Name = "城市轨道交通", Parent = "030000" },
        new() { Code = "040000", Name = "普通公路" },
        new() { Code = "050000", Name = "水路/海事" },
        new() { Code = "990000", Name = "其他" },
    ];

    public static IEnumerable<RoutingRule> RoutingRules() =>
    [
        new() { Category = "0301", HandlingUnit = "市公交管理处", Rank = 10 },
        new() { Category = "0302", HandlingUnit = "市出租汽车管理处", Rank = 10 },
        new() { Category = "0303", HandlingUnit = "市网约车监管科", Rank = 10 },
        new() { Category = "0304", HandlingUnit = "市轨道交通运营监管处", Rank = 10 },
        new() { Category = "02", HandlingUnit = "高速公路管理中心", Rank = 20 },
        new() { Category = "01", HandlingUnit = "道路运输管理处", Rank = 30 },
        new() { HandlingUnit = "综合业务科", Rank = 1000 },
    ];

    private static CalendarDay Day(string day, string name, bool working) => new() { Day = day, Name = name, Working = working };

    private static IEnumerable<CalendarDay> Range(string first, int days, string name, bool working)
    {
        var start = DateOnly.ParseExact(first, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < days; i++)
        {
            yield return Day(start.AddDays(i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), name, working);
        }
    }
}
