using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;

namespace Hotline.Ticketing.Tests;

/// <summary>Working-day arithmetic on the seeded 2025/2026 State Council schedules.</summary>
public sealed class CalendarTests
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);
    private static readonly WorkingCalendar Calendar = new(SeedData.Holidays());

    private static DateTimeOffset At(int y, int m, int d, int h = 10) => new(y, m, d, h, 0, 0, Cst);

    private static DateTimeOffset EndOf(int y, int m, int d) => new(y, m, d, 23, 59, 59, Cst);

    [Theory]
    [InlineData("2025-10-01", false)] // 国庆
    [InlineData("2025-10-08", false)] // 国庆+中秋 8th day
    [InlineData("2025-09-28", true)]  // Sunday 调休
    [InlineData("2025-10-11", true)]  // Saturday 调休
    [InlineData("2025-01-26", true)]  // Sunday 调休 before 春节
    [InlineData("2025-02-08", true)]  // Saturday 调休
    [InlineData("2025-01-28", false)]
    [InlineData("2025-04-27", true)]
    [InlineData("2025-05-05", false)]
    [InlineData("2025-06-02", false)]
    [InlineData("2026-01-04", true)]
    [InlineData("2026-01-02", false)]
    [InlineData("2026-02-14", true)]
    [InlineData("2026-02-23", false)]
    [InlineData("2026-02-28", true)]
    [InlineData("2026-05-09", true)]
    [InlineData("2026-06-19", false)]
    [InlineData("2026-09-20", true)]
    [InlineData("2026-09-25", false)]
    [InlineData("2026-10-07", false)]
    [InlineData("2026-10-10", true)]
    [InlineData("2026-11-25", true)]  // an ordinary Wednesday
    [InlineData("2026-11-28", false)] // an ordinary Saturday
    public void Seeded_schedule_marks_holidays_and_make_up_days(string day, bool working) =>
        Assert.Equal(working, Calendar.IsWorkingDay(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Seed_counts_match_the_published_notices()
    {
        var all = SeedData.Holidays().ToList();
        Assert.Equal(all.Count, all.Select(d => d.Day).Distinct().Count());
        Assert.Equal(28, all.Count(d => d.Day.StartsWith("2025", StringComparison.Ordinal) && !d.Working)); // 1+8+3+5+3+8
        Assert.Equal(5, all.Count(d => d.Day.StartsWith("2025", StringComparison.Ordinal) && d.Working));
        Assert.Equal(33, all.Count(d => d.Day.StartsWith("2026", StringComparison.Ordinal) && !d.Working)); // 3+9+3+5+3+3+7
        Assert.Equal(6, all.Count(d => d.Day.StartsWith("2026", StringComparison.Ordinal) && d.Working));
    }

    [Fact]
    public void Deadline_across_National_Day_2025_counts_the_make_up_Saturday()
    {
        // Accepted Fri 2025-09-26. Working days after: 9/28 (Sun, 调休) 1, 9/29 2, 9/30 3, [10/1–10/8 off],
        // 10/9 4, 10/10 5, 10/11 (Sat, 调休) 6, 10/13 7 … 13 working days end on 10/21.
        Assert.Equal(EndOf(2025, 9, 28), Calendar.AddWorkingDays(At(2025, 9, 26), 1));
        Assert.Equal(EndOf(2025, 10, 9), Calendar.AddWorkingDays(At(2025, 9, 26), 4));
        Assert.Equal(EndOf(2025, 10, 11), Calendar.AddWorkingDays(At(2025, 9, 26), 6));
        Assert.Equal(EndOf(2025, 10, 21), Calendar.AddWorkingDays(At(2025, 9, 26), 13));
    }

    [Fact]
    public void Deadline_across_National_Day_2026()
    {
        // Accepted Wed 2026-09-30 at 16:00: 10/1–10/7 off, 10/8 Thu 1, 10/9 Fri 2, 10/10 Sat (调休) 3.
        Assert.Equal(EndOf(2026, 10, 10), Calendar.AddWorkingDays(At(2026, 9, 30, 16), 3));
        // 13 working days: 10/8,9,10,12,13,14,15,16,19,20,21,22,23 → Fri 10/23.
        Assert.Equal(EndOf(2026, 10, 23), Calendar.AddWorkingDays(At(2026, 9, 30, 16), 13));
    }

    [Fact]
    public void Late_evening_acceptance_is_dated_in_China_time()
    {
        // 2026-10-09 17:30 UTC is already Saturday 10/10 01:30 in Beijing — a 调休 working day.
        var accepted = new DateTimeOffset(2026, 10, 9, 17, 30, 0, TimeSpan.Zero);
        Assert.Equal(EndOf(2026, 10, 10), Calendar.AddWorkingDays(accepted, 0));
        Assert.Equal(EndOf(2026, 10, 12), Calendar.AddWorkingDays(accepted, 1));
    }

    [Fact]
    public void Zero_days_on_a_holiday_rolls_to_the_next_working_day() =>
        Assert.Equal(EndOf(2026, 10, 8), Calendar.AddWorkingDays(At(2026, 10, 3), 0));

    [Fact]
    public void Sla_table_uses_the_most_specific_row_and_urgent_hours()
    {
        var sla = new SlaTable(SeedData.SlaRules().ToList(), Calendar);
        var accepted = At(2026, 11, 25);
        Assert.Equal(Calendar.AddWorkingDays(accepted, 13), sla.DeadlineFor(CaseType.Complaint, "010100", CasePriority.Normal, accepted));
        Assert.Equal(Calendar.AddWorkingDays(accepted, 5), sla.DeadlineFor(CaseType.Complaint, "030200", CasePriority.Normal, accepted));
        Assert.Equal(Calendar.AddWorkingDays(accepted, 3), sla.DeadlineFor(CaseType.Inquiry, "030200", CasePriority.Normal, accepted));
        Assert.Equal(accepted.AddHours(24), sla.DeadlineFor(CaseType.Complaint, null, CasePriority.Urgent, accepted));
    }

    [Fact]
    public void Deadline_state_warns_on_the_last_working_day_and_marks_overdue()
    {
        var sla = new SlaTable(SeedData.SlaRules().ToList(), Calendar);
        var order = new WorkOrder { Status = CaseStatus.Handling, Deadline = EndOf(2026, 10, 9) };
        Assert.Equal(DeadlineState.OnTime, sla.StateOf(order, At(2026, 9, 29)));
        Assert.Equal(DeadlineState.OnTime, sla.StateOf(order, At(2026, 10, 5))); // holiday week: 10/8 and 10/9 still ahead
        Assert.Equal(DeadlineState.Warning, sla.StateOf(order, At(2026, 10, 8)));
        Assert.Equal(DeadlineState.Warning, sla.StateOf(order, At(2026, 10, 9)));
        Assert.Equal(DeadlineState.Overdue, sla.StateOf(order, At(2026, 10, 10)));
        order.Status = CaseStatus.Closed;
        Assert.Equal(DeadlineState.None, sla.StateOf(order, At(2026, 10, 10)));
    }

    /// <summary>
    /// The 2026 rows are exactly the State Council notice (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04, Xinhua full text):
    /// 元旦 1/1–1/3, 1/4 上班; 春节 2/15–2/23, 2/14 and 2/28 上班; 清明 4/4–4/6; 劳动节 5/1–5/5, 5/9 上班; 端午 6/19–6/21;
    /// 中秋 9/25–9/27; 国庆 10/1–10/7, 9/20 and 10/10 上班.
    /// </summary>
    [Fact]
    public void The_2026_schedule_is_the_published_notice_day_by_day()
    {
        static IEnumerable<string> Days(int month, int from, int to) => Enumerable.Range(from, to - from + 1).Select(d => $"2026-{month:00}-{d:00}");
        string[] off = [.. Days(1, 1, 3), .. Days(2, 15, 23), .. Days(4, 4, 6), .. Days(5, 1, 5), .. Days(6, 19, 21), .. Days(9, 25, 27), .. Days(10, 1, 7)];
        string[] work = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"];
        var seeded = SeedData.Holidays().Where(d => d.Day.StartsWith("2026", StringComparison.Ordinal)).ToList();
        Assert.Equal(off.Order(), seeded.Where(d => !d.Working).Select(d => d.Day).Order());
        Assert.Equal(work.Order(), seeded.Where(d => d.Working).Select(d => d.Day).Order());
        Assert.All(work, d => Assert.True(DateOnly.Parse(d, System.Globalization.CultureInfo.InvariantCulture).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday));
    }
}
