namespace Hotline.Analytics.Stats;

/// <summary>An inclusive range of China dates.</summary>
internal readonly record struct Period(DateOnly From, DateOnly To)
{
    public int Days => To.DayNumber - From.DayNumber + 1;

    public string FromKey => From.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public string ToKey => To.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>From the 1st of a month to the last day of the same or a later month.</summary>
    public bool IsWholeMonths => From.Day == 1 && To.AddDays(1).Day == 1;

    private int Months => (To.Year - From.Year) * 12 + To.Month - From.Month + 1;

    /// <summary>
    /// 同比 base: the same dates one year before. Whole calendar months compare with the same months (February 2025 with
    /// all 29 days of February 2024); otherwise each end moves back a year, 29 February becoming 28 February.
    /// </summary>
    public Period PreviousYear() => IsWholeMonths
        ? new Period(From.AddYears(-1), new DateOnly(To.Year - 1, To.Month, 1).AddMonths(1).AddDays(-1))
        : new Period(From.AddYears(-1), To.AddYears(-1));

    /// <summary>
    /// 环比 base: the period of the same length that ends the day before <see cref="From"/>; for whole calendar months,
    /// the same number of calendar months before (March → February, whatever their lengths).
    /// </summary>
    public Period PreviousPeriod() => IsWholeMonths
        ? new Period(From.AddMonths(-Months), From.AddDays(-1))
        : new Period(From.AddDays(-Days), From.AddDays(-1));
}
