using System.Globalization;
using CsCheck;
using Hotline.Analytics.Tests.Support;
using Hotline.Analytics.Warnings;

namespace Hotline.Analytics.Tests;

/// <summary>动态预警: a planted spike raises a warning; an ordinary week does not.</summary>
public sealed class WarningTests
{
    private static readonly AnalyticsOptions Defaults = new();

    /// <summary>Nine baseline weeks (eight recent, one a year before), as the default options use.</summary>
    private static readonly Gen<long[]> Baseline = Gen.Long[0, 800].Array[Defaults.BaselineWeeks + 1];

    [Fact]
    public void An_ordinary_week_inside_its_baseline_never_alerts()
    {
        Baseline.SelectMany(b => Gen.Long[b.Min(), b.Max()].Select(week => (b, week))).Sample(x =>
            Assert.Null(GetWarningsHandler.Spike(x.week, x.b, Defaults)), iter: 50_000);
    }

    [Fact]
    public void A_planted_spike_always_alerts()
    {
        Baseline.Sample(b => Assert.NotNull(GetWarningsHandler.Spike(5 * b.Max() + Defaults.SpikeMinimumCases, b, Defaults)), iter: 50_000);
    }

    [Fact]
    public void A_few_more_cases_than_usual_in_a_quiet_category_do_not_alert()
    {
        Assert.Null(GetWarningsHandler.Spike(6, [0, 1, 0, 2, 0, 0, 1, 0, 0], Defaults)); // above 3σ, but fewer than the minimum of 10 more
    }

    [Fact]
    public async Task The_city_warns_of_the_category_that_spikes_and_not_of_the_ordinary_one()
    {
        var now = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));
        await using var city = await AnalyticsHosts.CityAsync(now: now);
        var rows = new List<object>();
        var n = 0;
        void Add(string category, DateTimeOffset at, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var accepted = at.AddMinutes(i);
                rows.Add(new
                {
                    externalId = "W-" + n++, type = "complaint", category, channel = "phone", description = "乘客反映司机服务态度差，请处理。",
                    acceptedAt = accepted.ToString("O", CultureInfo.InvariantCulture), closedAt = accepted.AddHours(5).ToString("O", CultureInfo.InvariantCulture),
                    status = "archived",
                });
            }
        }

        var asOf = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.FromHours(8));
        var usual = new[] { 12, 15, 11, 14, 13, 16, 12, 14 };
        for (var w = 1; w <= 8; w++)
        {
            Add("030200", asOf.AddDays(-7 * w), usual[w - 1]); // 出租汽车: ordinary weeks…
            Add("030100", asOf.AddDays(-7 * w), usual[^w]);    // 公交: the same
        }

        Add("030200", asOf.AddYears(-1), 13);
        Add("030100", asOf.AddYears(-1), 13);
        Add("030200", asOf, 60); // …then a week of 60 taxi complaints
        Add("030100", asOf, 15); // while buses stay ordinary
        await city.ImportAsync(rows);
        await city.RollUpAsync();

        var body = await city.As("analyst1", "analyst").GetFromJsonAsync<JsonElement>("/api/v1/stats/warnings?date=2026-11-24");
        var warning = Assert.Single(body.GetProperty("items").EnumerateArray());
        Assert.Equal(("440300", "030200", "出租汽车", 60L), (warning.GetProperty("node").GetString(), warning.GetProperty("category").GetString(),
            warning.GetProperty("name").GetString(), warning.GetProperty("count").GetInt64()));

        var lastWeek = await city.As("analyst1", "analyst").GetFromJsonAsync<JsonElement>("/api/v1/stats/warnings?date=2026-11-17");
        Assert.Equal(0, lastWeek.GetProperty("items").GetArrayLength());
    }
}
