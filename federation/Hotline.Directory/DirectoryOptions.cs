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

    /// <summary>
    /// How long a heartbeat is worth delivering after it was sent (the same window as <see cref="StaleAfter"/>, 15 s by
    /// default): a beat that could not reach the parent within it is dropped on the way (the envelope's deliver-by), so
    /// a parent that was down gets the current beats on return, not the backlog.
    /// </summary>
    public TimeSpan HeartbeatExpiry => StaleAfter;
}
