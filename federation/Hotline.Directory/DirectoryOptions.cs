using System.ComponentModel.DataAnnotations;

namespace Hotline.Directory;

/// <summary>Heartbeat timing. Bound from the <c>Directory</c> section.</summary>
public sealed class DirectoryOptions
{
    public const string SectionName = "Directory";

    /// <summary>How often a node sends its heartbeat to its parent.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A node is stale after this many missed beats.</summary>
    [Range(1, 100)]
    public int StaleAfterMissedBeats { get; set; } = 3;

    /// <summary>Whether this node sends heartbeats (off only in tests that drive the directory by hand).</summary>
    public bool SendHeartbeats { get; set; } = true;

    /// <summary>How long a node may stay silent before it counts as stale.</summary>
    public TimeSpan StaleAfter => HeartbeatInterval * StaleAfterMissedBeats;
}
