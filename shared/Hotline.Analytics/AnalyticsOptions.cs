using System.ComponentModel.DataAnnotations;

namespace Hotline.Analytics;

/// <summary>Statistics settings, section <c>Analytics</c>.</summary>
public sealed class AnalyticsOptions
{
    public const string SectionName = "Analytics";

    /// <summary>How often a city looks at its case feed for changes to roll up.</summary>
    [Range(1, 3600)]
    public int RollupIntervalSeconds { get; set; } = 5;

    /// <summary>Weight of the on-time completion rate (限时办结率) in the monthly ranking score.</summary>
    [Range(0, 1)]
    public double OnTimeWeight { get; set; } = 0.35;

    /// <summary>Weight of the satisfaction rate on return visits (回访满意率).</summary>
    [Range(0, 1)]
    public double SatisfactionWeight { get; set; } = 0.25;

    /// <summary>Weight of the return-visit rate (回访率).</summary>
    [Range(0, 1)]
    public double ReturnVisitWeight { get; set; } = 0.2;

    /// <summary>Weight of the immediate-answer rate of inquiries (咨询即时答复率).</summary>
    [Range(0, 1)]
    public double ImmediateAnswerWeight { get; set; } = 0.2;

    /// <summary>Early warning: a region × category week is a spike when its count exceeds the baseline mean by this many standard deviations.</summary>
    [Range(0.5, 20)]
    public double SpikeDeviations { get; set; } = 3;

    /// <summary>Early warning: and by at least this many cases (small numbers never alert).</summary>
    [Range(1, 100_000)]
    public int SpikeMinimumCases { get; set; } = 10;

    /// <summary>Early warning: the seasonal baseline is the same week in this many previous years plus the previous weeks below.</summary>
    [Range(1, 52)]
    public int BaselineWeeks { get; set; } = 8;
}
