using System.Globalization;
using Hotline.Ticketing.Domain;

namespace Hotline.Ticketing.Deadlines;

/// <summary>
/// The Chinese working-day calendar: Monday–Friday work, Saturday and Sunday rest, except the days the State Council's
/// yearly notice lists as statutory holidays (放假) or make-up working days (调休上班). The exceptions are data.
/// 工作日历
/// </summary>
internal sealed class WorkingCalendar
{
    /// <summary>China Standard Time; China has no daylight saving, so a fixed offset is exact.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    private readonly Dictionary<DateOnly, CalendarDay> _exceptions;

    public WorkingCalendar(IEnumerable<CalendarDay> exceptions)
    {
        _exceptions = exceptions.ToDictionary(d => DateOnly.ParseExact(d.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    public bool IsWorkingDay(DateOnly day) =>
        _exceptions.TryGetValue(day, out var e) ? e.Working : day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The holiday or 调休 name of a day, if it is an exception.</summary>
    public string? NameOf(DateOnly day) => _exceptions.TryGetValue(day, out var e) ? e.Name : null;

    public static DateOnly ChinaDate(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(ChinaOffset).DateTime);

    /// <summary>
    /// The deadline <paramref name="workingDays"/> working days after <paramref name="start"/>: the end (23:59:59 China
    /// time) of the n-th working day after the start day. n = 0 means the end of the start day if it is a working day,
    /// else the end of the next working day.
    /// </summary>
    public DateTimeOffset AddWorkingDays(DateTimeOffset start, int workingDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workingDays);
        var day = ChinaDate(start);
        if (workingDays == 0)
        {
            while (!IsWorkingDay(day))
            {
                day = day.AddDays(1);
            }
        }
        else
        {
            var left = workingDays;
            while (left > 0)
            {
                day = day.AddDays(1);
                if (IsWorkingDay(day))
                {
                    left--;
                }
            }
        }

        return EndOf(day);
    }

    /// <summary>Working days strictly after <paramref name="from"/>'s day up to and including <paramref name="to"/>'s day.</summary>
    public int WorkingDaysBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var a = ChinaDate(from);
        var b = ChinaDate(to);
        var n = 0;
        for (var d = a.AddDays(1); d <= b; d = d.AddDays(1))
        {
            if (IsWorkingDay(d))
            {
                n++;
            }
        }

        return n;
    }

    public static DateTimeOffset EndOf(DateOnly day) =>
        new DateTimeOffset(day.ToDateTime(new TimeOnly(23, 59, 59)), ChinaOffset).ToUniversalTime();
}

/// <summary>How a case stands against its deadline. 时限状态</summary>
internal enum DeadlineState
{
    /// <summary>正常</summary>
    OnTime,
    /// <summary>预警: the deadline is today or the next working day.</summary>
    Warning,
    /// <summary>超期</summary>
    Overdue,
    /// <summary>No deadline applies (closed or without SLA).</summary>
    None,
}

/// <summary>SLA lookup and deadline state.</summary>
internal sealed class SlaTable(IReadOnlyList<SlaRule> rules, WorkingCalendar calendar)
{
    public WorkingCalendar Calendar => calendar;

    /// <summary>The most specific rule: exact type and priority, longest matching category prefix, else the category-less row.</summary>
    public SlaRule? Find(CaseType type, string? category, CasePriority priority) =>
        rules.Where(r => r.Type == type && r.Priority == priority &&
                         (r.Category is null || (category is not null && category.StartsWith(r.Category, StringComparison.Ordinal))))
            .OrderByDescending(r => r.Category?.Length ?? -1)
            .FirstOrDefault();

    public DateTimeOffset? DeadlineFor(CaseType type, string? category, CasePriority priority, DateTimeOffset acceptedAt)
    {
        var rule = Find(type, category, priority);
        if (rule is null)
        {
            return null;
        }

        return rule.Hours > 0 ? acceptedAt.AddHours(rule.Hours).ToUniversalTime() : calendar.AddWorkingDays(acceptedAt, rule.WorkingDays);
    }

    public DeadlineState StateOf(WorkOrder order, DateTimeOffset now)
    {
        if (order.Deadline is not { } deadline || !order.IsOpen)
        {
            return DeadlineState.None;
        }

        if (now > deadline)
        {
            return DeadlineState.Overdue;
        }

        return calendar.WorkingDaysBetween(now, deadline) <= 1 ? DeadlineState.Warning : DeadlineState.OnTime;
    }
}
