using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Telephony;
using Hotline.Ticketing;
using Microsoft.Extensions.Options;

namespace Hotline.Municipal.Composition;

/// <summary>
/// 录音: links a case to a call or voicemail recording kept by telephony. The id stored on the case
/// (<see cref="Hotline.Ticketing.AcceptCase.RecordingId"/>) is the file's path relative to telephony's data folder
/// (<c>voicemail/20261126/abc.wav</c>); <c>GET /api/v1/recordings/{id}</c> plays it to staff who may hear it, and
/// every playback is logged with who asked.
/// </summary>
internal static partial class RecordingLinks
{
    private static readonly string[] Listeners =
    [
        HotlineRoles.Agent, HotlineRoles.TeamLead, HotlineRoles.QualityInspector, HotlineRoles.Handler, HotlineRoles.Reviewer,
        HotlineRoles.Administrator,
    ];

    /// <summary>The id of a recording under <paramref name="dataDirectory"/>, or null when it lies elsewhere.</summary>
    public static string? IdOf(string dataDirectory, string? recordingPath)
    {
        if (string.IsNullOrEmpty(recordingPath))
        {
            return null;
        }

        var root = Path.GetFullPath(dataDirectory);
        var full = Path.GetFullPath(recordingPath);
        var relative = Path.GetRelativePath(root, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? null
            : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>The file of a recording id, or null when the id is malformed or escapes the data folder.</summary>
    public static string? PathOf(string dataDirectory, string id)
    {
        // The store (ticketing's) keeps ids inside its folder; this endpoint serves only ids that name a WAV file.
        var decoded = Uri.UnescapeDataString(id);
        return decoded.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) ? new FileRecordingStore(dataDirectory).PathOf(decoded) : null;
    }

    /// <summary>Maps <c>GET /api/v1/recordings/{**id}</c> (audio/wav, range requests) for staff who handle calls and cases.</summary>
    public static IEndpointRouteBuilder MapRecordings(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/recordings/{**id}", (string id, HttpContext http, IOptions<SipOptions> sip, ILoggerFactory loggers) =>
            {
                if (!Listeners.Any(http.User.IsInRole))
                {
                    return Error.Forbidden("recording.forbidden", "Only call-center and case staff may play recordings.").ToProblem();
                }

                var path = PathOf(sip.Value.DataDirectory, id);
                if (path is null || !File.Exists(path))
                {
                    return Error.NotFound("recording.not_found", $"No such recording: {id}.").ToProblem();
                }

                LogPlayed(loggers.CreateLogger(typeof(RecordingLinks).FullName!), http.User.Identity?.Name ?? "?", id);
                return Results.File(path, "audio/wav", enableRangeProcessing: true);
            })
            .RequireAuthorization(HotlinePolicies.Staff)
            .WithTags("Recordings")
            .WithName("GetRecording")
            .WithSummary("Plays a call or voicemail recording linked to a case (staff; every playback is logged).")
            .Produces(StatusCodes.Status200OK, contentType: "audio/wav")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    [LoggerMessage(EventId = 9110, Level = LogLevel.Information, Message = "Recording {RecordingId} played by {User}")]
    private static partial void LogPlayed(ILogger logger, string user, string recordingId);
}
