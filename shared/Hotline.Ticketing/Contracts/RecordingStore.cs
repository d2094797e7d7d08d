namespace Hotline.Ticketing;

/// <summary>A recording's file as ticketing plays it: where it lies and its media type. 录音文件</summary>
public sealed record RecordingFile(string Path, string ContentType);

/// <summary>
/// Resolves the recording id linked to a case (<see cref="AcceptCase.RecordingId"/>) to a file. The ticketing module
/// registers a <see cref="FileRecordingStore"/> over <c>data/&lt;node&gt;/recordings</c>; a host that keeps recordings
/// elsewhere (telephony's data folder) registers its own after <c>AddTicketingModule()</c>.
/// </summary>
public interface IRecordingStore
{
    /// <summary>The recording's file, or null when the id is malformed, escapes the store or names no file.</summary>
    Task<RecordingFile?> FindAsync(string recordingId, CancellationToken ct);
}

/// <summary>
/// Recordings as WAV files below one folder; the id is the file's path relative to it (<c>20261126/abc.wav</c>, or a bare
/// <c>abc</c> meaning <c>abc.wav</c>). Ids that would leave the folder are refused.
/// </summary>
public sealed class FileRecordingStore(string root) : IRecordingStore
{
    /// <summary>The folder the ids are relative to.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <inheritdoc />
    public Task<RecordingFile?> FindAsync(string recordingId, CancellationToken ct)
    {
        var path = PathOf(recordingId);
        return Task.FromResult(path is not null && File.Exists(path) ? new RecordingFile(path, "audio/wav") : null);
    }

    /// <summary>The file an id names inside <see cref="Root"/>, or null for a malformed or escaping id.</summary>
    public string? PathOf(string? recordingId)
    {
        var id = recordingId?.Trim() ?? "";
        if (id.Length is 0 or > 300 || id.Contains('\\', StringComparison.Ordinal) || id.Split('/').Any(s => s is "" or "." or ".."))
        {
            return null;
        }

        if (!id.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
        {
            id += ".wav";
        }

        var rootWithSeparator = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(rootWithSeparator, id));
        return full.StartsWith(rootWithSeparator, StringComparison.Ordinal) ? full : null;
    }
}
