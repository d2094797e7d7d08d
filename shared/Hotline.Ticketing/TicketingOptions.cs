using System.ComponentModel.DataAnnotations;

namespace Hotline.Ticketing;

/// <summary>Settings of the ticketing module, bound from the <c>Ticketing</c> section and validated at start-up.</summary>
public sealed class TicketingOptions
{
    public const string SectionName = "Ticketing";

    /// <summary>Look for duplicates among cases accepted within this many days.</summary>
    [Range(1, 3650)]
    public int DuplicateWindowDays { get; set; } = 30;

    /// <summary>Scores at or above this are shown as likely duplicates.</summary>
    [Range(0.0, 1.0)]
    public double DuplicateThreshold { get; set; } = 0.30;

    /// <summary>How often the deadline monitor looks for cases to 催办/督办.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DeadlineScanInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>督办 once a case stays overdue this many working days after the 催办.</summary>
    [Range(1, 60)]
    public int SuperviseAfterWorkingDays { get; set; } = 5;

    /// <summary>通报 once a case stays overdue this many further working days after the 督办 threshold.</summary>
    [Range(1, 60)]
    public int NotifyAfterWorkingDays { get; set; } = 5;

    [Range(10, 100_000)]
    public int MaxDescriptionLength { get; set; } = 4000;

    /// <summary>Words that flag a complaint as major (重大投诉) on acceptance.</summary>
    public List<string> MajorKeywords { get; set; } =
        ["死亡", "身亡", "重伤", "受伤", "群体", "集体", "火灾", "爆炸", "翻车", "坠落", "食物中毒", "罢运", "停运", "围堵", "上访"];

    /// <summary>A case with at least this many likely duplicates in the window is flagged major (群体性投诉).</summary>
    [Range(2, 1000)]
    public int MajorDuplicateCount { get; set; } = 5;

    /// <summary>Run the background deadline monitor (tests call it directly).</summary>
    public bool RunDeadlineMonitor { get; set; } = true;

    /// <summary>Largest attachment accepted (bytes).</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxAttachmentBytes { get; set; } = 10 * 1024 * 1024;

    [Range(1, 100)]
    public int MaxAttachmentsPerCase { get; set; } = 10;

    /// <summary>Rebuild the in-memory duplicate index from the database at start-up.</summary>
    public bool LoadDuplicateIndexOnStart { get; set; } = true;
}
