using System.ComponentModel.DataAnnotations;

namespace Hotline.Knowledge;

/// <summary>Settings of the knowledge module, bound from the <c>Knowledge</c> section and validated at start-up.</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "Knowledge";

    /// <summary>How often the scheduler publishes approved articles whose time has come and expires the due ones.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ScheduleInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Run the background scheduler (tests call it directly).</summary>
    public bool RunScheduler { get; set; } = true;

    /// <summary>Seed this tier's demo knowledge on first start; null: when <c>DemoData:Enabled</c> or <c>Identity:Demo:Enabled</c> is set.</summary>
    public bool? SeedDemo { get; set; }

    /// <summary>Keep the index in memory instead of <c>data/&lt;node&gt;/knowledge-index</c> (tests).</summary>
    public bool InMemoryIndex { get; set; }

    /// <summary>Largest file accepted by the file import (bytes).</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxImportBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Most articles in one import.</summary>
    [Range(1, 100_000)]
    public int MaxImportArticles { get; set; } = 5000;
}
