using System.Globalization;
using Hotline.Federation.Persistence;
using Hotline.SharedKernel;
using Hotline.Ticketing;

namespace Hotline.Federation.CityCases;

/// <summary>
/// The real city adapter over Hotline.Ticketing: <see cref="ICaseIntake"/> for incoming 交办/转办 and feedback,
/// <see cref="ICaseFeed"/> for the relay. Reminders from the assigner (催办/督办/通报) are kept in the federation
/// module's own log at the city, because the ticketing module's public face has no entry point for them yet.
/// </summary>
internal sealed class TicketingCityCases(ICaseIntake intake, ICaseFeed feed, FederationDbContext db) : ICityCases
{
    public async Task<Result<AcceptedIncomingCase>> AcceptAsync(IncomingCase incoming, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<CaseType>(incoming.Type, ignoreCase: true, out var type) || !Enum.IsDefined(type))
        {
            return Error.Invalid("federation.type", $"Unknown case type '{incoming.Type}'.");
        }

        var command = new AcceptCase(
            incoming.Channel == IncomingChannel.Assignment ? CaseChannel.Assignment : CaseChannel.Transfer,
            type,
            incoming.Description,
            Category: incoming.Category,
            CallerPhone: incoming.Phone,
            CallerName: incoming.Name,
            Deadline: incoming.Deadline,
            Source: new ExternalReference(incoming.OriginNode, incoming.OriginCaseNumber, incoming.CorrelationId.ToString()));
        var result = await intake.AcceptAsync(command, cancellationToken);
        return result.IsSuccess
            ? new AcceptedIncomingCase(result.Value.CaseNumber, result.Value.AlreadyExisted)
            : result.Error!;
    }

    public Task<Result<Unit>> RecordFeedbackAsync(IncomingFeedback feedback, CancellationToken cancellationToken) =>
        intake.RecordExternalFeedbackAsync(
            new ExternalFeedback(feedback.FeedbackId.ToString(), feedback.CaseNumber, feedback.FromNode, feedback.Kind, feedback.Text, feedback.At),
            cancellationToken);

    public async Task<Result<Unit>> RecordReminderAsync(IncomingFeedback reminder, CancellationToken cancellationToken)
    {
        if (await db.AssignmentEvents.FindAsync([reminder.FeedbackId], cancellationToken) is null)
        {
            db.AssignmentEvents.Add(new AssignmentEvent
            {
                Id = reminder.FeedbackId, CaseNumber = reminder.CaseNumber, Kind = reminder.Kind, Text = reminder.Text, At = reminder.At,
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        return Result.Ok();
    }

    public async Task<IReadOnlyList<CityFeedEntry>> ReadFeedAfterAsync(long position, int max, CancellationToken cancellationToken)
    {
        var entries = await feed.ReadAfterAsync(position, max, cancellationToken);
        return entries.Select(Map).ToList();
    }

    internal static CityFeedEntry Map(CaseFeedEntry e)
    {
        var s = e.Summary;
        var summary = new Contracts.CaseSummary(s.CaseNumber, Camel(s.Type.ToString()), s.Category, Camel(s.Channel.ToString()), s.Title,
            s.MaskedPhone, s.Status, s.AcceptedAt, s.Deadline, s.Major);
        CaseOrigin? origin = null;
        if (e.Source is { } src)
        {
            var channel = s.Channel == CaseChannel.Assignment ? IncomingChannel.Assignment : IncomingChannel.Transfer;
            origin = new CaseOrigin(src.OriginNode, src.OriginCaseNumber,
                Guid.TryParse(src.CorrelationId, out var correlation) ? correlation : Guid.Empty, channel);
        }

        CityTransfer? transfer = null;
        var comment = e.Comment;
        if (e.EventType == Ticketing.CaseFeedEvents.TransferredOut && e.Comment is { } c)
        {
            // Ticketing writes "targetNode|reason" for 转办.
            var bar = c.IndexOf('|', StringComparison.Ordinal);
            var target = bar < 0 ? c : c[..bar];
            var reason = bar < 0 ? string.Empty : c[(bar + 1)..];
            transfer = new CityTransfer(target.Trim(), reason, s.Title, null, null, s.Category);
            comment = reason;
        }

        return new CityFeedEntry(e.Position, e.CaseNumber, e.EventType, e.OccurredAt, summary, comment, origin, transfer);
    }

    private static string Camel(string name) =>
        string.Concat(name[..1].ToLower(CultureInfo.InvariantCulture), name.AsSpan(1));
}
