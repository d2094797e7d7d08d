using CsCheck;
using Hotline.Analytics.Stats;
using Hotline.Analytics.Tests.Support;

namespace Hotline.Analytics.Tests;

/// <summary>同比 (previousYear) and 环比 (previousPeriod) bases, across month ends and leap years.</summary>
public sealed class PeriodTests
{
    private static readonly Gen<DateOnly> Day = Gen.Int[new DateOnly(2001, 1, 1).DayNumber, new DateOnly(2099, 12, 31).DayNumber].Select(DateOnly.FromDayNumber);

    [Fact]
    public void The_previous_period_has_the_same_length_and_ends_the_day_before_from()
    {
        Gen.Select(Day, Gen.Int[0, 400]).Sample((from, length) =>
        {
            var p = new Period(from, from.AddDays(length));
            var prev = p.PreviousPeriod();
            Assert.Equal(p.From.AddDays(-1), prev.To);
            if (!p.IsWholeMonths)
            {
                Assert.Equal(p.Days, prev.Days);
            }
            else
            {
                // Whole calendar months: as many whole months before, whatever their lengths.
                Assert.True(prev.IsWholeMonths);
                Assert.Equal((p.To.Year - p.From.Year) * 12 + p.To.Month - p.From.Month, (prev.To.Year - prev.From.Year) * 12 + prev.To.Month - prev.From.Month);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void The_previous_year_is_the_same_dates_a_year_before_and_29_february_becomes_28_february()
    {
        Gen.Select(Day, Gen.Int[0, 400]).Sample((from, length) =>
        {
            var p = new Period(from, from.AddDays(length));
            var year = p.PreviousYear();
            Assert.Equal(p.From.Year - 1, year.From.Year);
            Assert.Equal(p.From.Month, year.From.Month);
            Assert.Equal(p.To.Month, year.To.Month);
            Assert.Equal(p.From.Day == 29 && p.From.Month == 2 ? 28 : p.From.Day, year.From.Day);
            if (p.IsWholeMonths)
            {
                Assert.True(year.IsWholeMonths); // February 2025 compares with all of February 2024
            }
            else
            {
                Assert.Equal(p.To.Day == 29 && p.To.Month == 2 ? 28 : p.To.Day, year.To.Day);
            }
        }, iter: 20_000);
    }

    [Theory]
    [InlineData("2024-03-01", "2024-03-31", "2024-02-01", "2024-02-29", "2023-03-01", "2023-03-31")] // a month after a leap February
    [InlineData("2025-02-01", "2025-02-28", "2025-01-01", "2025-01-31", "2024-02-01", "2024-02-29")] // February against the leap one
    [InlineData("2024-02-29", "2024-02-29", "2024-02-28", "2024-02-28", "2023-02-28", "2023-02-28")] // the leap day itself
    [InlineData("2024-02-25", "2024-03-05", "2024-02-15", "2024-02-24", "2023-02-25", "2023-03-05")] // ten days across a leap month end
    [InlineData("2026-01-01", "2026-03-31", "2025-10-01", "2025-12-31", "2025-01-01", "2025-03-31")] // a quarter
    [InlineData("2026-12-30", "2027-01-02", "2026-12-26", "2026-12-29", "2025-12-30", "2026-01-02")] // across the year end
    public void Worked_examples(string from, string to, string prevFrom, string prevTo, string yearFrom, string yearTo)
    {
        var p = new Period(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((prevFrom, prevTo), (p.PreviousPeriod().FromKey, p.PreviousPeriod().ToKey));
        Assert.Equal((yearFrom, yearTo), (p.PreviousYear().FromKey, p.PreviousYear().ToKey));
    }

    [Fact]
    public async Task The_api_counts_each_base_from_cases_imported_on_both_sides_of_month_ends_and_the_leap_day()
    {
        await using var city = await AnalyticsHosts.CityAsync(now: new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8)));
        var n = 0;
        object Case(string acceptedAt, string type = "inquiry", string channel = "phone") => new
        {
            externalId = "M-" + n++, type, channel, description = "咨询公交线路调整后的首末班时间。", acceptedAt, status = "archived",
            closedAt = acceptedAt,
        };
        await city.ImportAsync([
            // March 2025 (the period): 3 cases, one at 23:59 China time on the last day.
            Case("2025-03-01T00:00:00+08:00"), Case("2025-03-15T12:00:00+08:00", "complaint"), Case("2025-03-31T23:59:00+08:00", channel: "wechat"),
            // 2025-03-31 16:00 UTC is 1 April in China: outside the period.
            Case("2025-03-31T16:00:00Z"),
            // February 2025 (环比): 2 cases; 2025-02-28 16:30 UTC is 1 March in China — in the period, not here.
            Case("2025-02-01T08:00:00+08:00"), Case("2025-02-28T09:00:00+08:00"), Case("2025-02-28T16:30:00Z"),
            // March 2024 (同比): 1 case; the leap day 2024-02-29 is February.
            Case("2024-03-31T10:00:00+08:00"), Case("2024-02-29T10:00:00+08:00"),
        ]);
        await city.RollUpAsync();

        var analyst = city.As("analyst1", "analyst");
        var march = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/stats/cases?from=2025-03-01&to=2025-03-31&groupBy=channel");
        var total = march.GetProperty("total");
        Assert.Equal((4, 1, 2), (total.GetProperty("count").GetInt64(), total.GetProperty("previousYear").GetInt64(), total.GetProperty("previousPeriod").GetInt64()));
        var wechat = march.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "wechat");
        Assert.Equal(("微信", 1L), (wechat.GetProperty("name").GetString(), wechat.GetProperty("count").GetInt64()));

        var leap = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/stats/cases?from=2024-02-01&to=2024-02-29&groupBy=type");
        Assert.Equal(1, leap.GetProperty("total").GetProperty("count").GetInt64());
        var feb2025 = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/stats/cases?from=2025-02-01&to=2025-02-28&groupBy=type");
        Assert.Equal((2, 1), (feb2025.GetProperty("total").GetProperty("count").GetInt64(), feb2025.GetProperty("total").GetProperty("previousYear").GetInt64()));
    }

    [Fact]
    public async Task Bad_questions_name_their_field_and_anonymous_is_401()
    {
        await using var city = await AnalyticsHosts.CityAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await city.Anonymous().GetAsync("/api/v1/stats/cases?from=2026-01-01&to=2026-01-31&groupBy=type")).StatusCode);
        var bad = await city.As("analyst1", "analyst").GetAsync("/api/v1/stats/cases?from=2026-13-01&to=2026-01-31&groupBy=weather");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("from", out _) && errors.TryGetProperty("groupBy", out _), errors.ToString());
        var reversed = await city.As("analyst1", "analyst").GetAsync("/api/v1/stats/cases?from=2026-02-01&to=2026-01-31&groupBy=type");
        Assert.True((await reversed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("to", out _));
    }
}
