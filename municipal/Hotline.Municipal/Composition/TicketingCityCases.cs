using System.Globalization;
using Hotline.Federation.CityCases;
using Hotline.SharedKernel;
using Hotline.Ticketing;
using FederationSummary = Hotline.Federation.Contracts.CaseSummary;

namespace Hotline.Municipal.Composition;

/// <summary>
/// The city's cases as federation sees them (<see cref="ICityCases"/>), over the ticketing module's public contracts:
/// <see cref="ICaseIntake"/> for incoming 交办/转办 and feedback, <see cref="ICaseFeed"/> for the relay,
/// <see cref="ICaseSupervision"/> for 催办/督办/通报 from the assigner (they show in the case history and the handler's
/// queue) and <see cref="ICaseTransferSource"/> for the full content of a 转办 (read audited by ticketing). A result sent
/// back by the assigner (退回重办) has no supervision kind of its own and is recorded as 催办 with the text prefixed.
/// Without <see cref="ICaseTransferSource"/> a 转办 carries the summary title only.
/// </summary>
internal sealed class TicketingCityCases(ICaseIntake intake, ICaseFeed feed, ICaseSupervision supervision,
    ICaseTransferSource? transfers = null) : ICityCases
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
            Confidential: incoming.Confidential,
            Enterprise: incoming.Enterprise,
            Location: incoming.Location,
            OccurredAt: incoming.OccurredAt,
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

    public Task<Result<Unit>> RecordReminderAsync(IncomingFeedback reminder, CancellationToken cancellationToken)
    {
        var kind = SupervisionKind(reminder.Kind);
        var text = kind is null ? "退回重办：" + reminder.Text : reminder.Text;
        var notice = new SupervisionNotice(reminder.FeedbackId.ToString(),
            new ExternalReference(reminder.FromNode, reminder.CaseNumber, reminder.CorrelationId.ToString()),
            reminder.FromNode, kind ?? SupervisionKinds.Urged, text, reminder.At);
        return supervision.RecordAsync(notice, cancellationToken);
    }

    public async Task<IReadOnlyList<CityFeedEntry>> ReadFeedAfterAsync(long position, int max, CancellationToken cancellationToken)
    {
        var entries = await feed.ReadAfterAsync(position, max, cancellationToken);
        var mapped = new List<CityFeedEntry>(entries.Count);
        foreach (var entry in entries)
        {
            var e = Map(entry);
            if (e.Transfer is { } transfer && transfers is not null)
            {
                // 转办: the full content, read (and audited) at ticketing. A re-relayed entry reads it again.
                var package = await transfers.ReadAsync(e.CaseNumber, transfer.TargetNode, cancellationToken);
                if (package.IsSuccess)
                {
                    e = e with { Transfer = WithContent(transfer, package.Value) };
                }
            }

            mapped.Add(e);
        }

        return mapped;
    }

    /// <summary>The 转办 entry completed with the package's content (description, caller, details).</summary>
    internal static CityTransfer WithContent(CityTransfer transfer, TransferPackage p) =>
        new(transfer.TargetNode, string.IsNullOrWhiteSpace(p.Reason) ? transfer.Reason : p.Reason, p.Description, p.CallerPhone,
            p.CallerName, p.Category ?? transfer.Category)
        {
            Confidential = p.Confidential,
            Enterprise = p.Enterprise,
            Location = p.Location,
            OccurredAt = p.OccurredAt,
            AcceptedAt = p.AcceptedAt,
        };

    /// <summary>Federation reminder kind → ticketing supervision kind; null for a result sent back (no kind of its own).</summary>
    internal static string? SupervisionKind(string reminderKind) => reminderKind switch
    {
        "urged" => SupervisionKinds.Urged,
        "supervised" => SupervisionKinds.Supervised,
        "noticed" => SupervisionKinds.Notified,
        _ => null,
    };

    internal static CityFeedEntry Map(CaseFeedEntry e)
    {
        var s = e.Summary;
        var summary = new FederationSummary(s.CaseNumber, Camel(s.Type.ToString()), s.Category, Camel(s.Channel.ToString()), s.Title,
            s.MaskedPhone, s.Status, s.AcceptedAt, s.Deadline, s.Major);
        CaseOrigin? origin = null;
        if (e.Source is { } src)
        {
            var channel = s.Channel == CaseChannel.Assignment ? IncomingChannel.Assignment : IncomingChannel.Transfer;
            origin = new CaseOrigin(src.OriginNode, src.OriginCaseNumber,
                Guid.TryParse(src.CorrelationId, out var correlation) ? correlation : Guid.Empty, channel);
        }

        var kind = e.EventType switch
        {
            CaseFeedEvents.Created => CityFeedEvent.Created,
            CaseFeedEvents.StatusChanged => CityFeedEvent.StatusChanged,
            CaseFeedEvents.TransferredOut => CityFeedEvent.TransferredOut,
            _ => CityFeedEvent.Other,
        };
        var outcome = s.Status switch
        {
            CaseStatusNames.Closed => CityCaseOutcome.Resolved,
            CaseStatusNames.Returned => CityCaseOutcome.Returned,
            _ => CityCaseOutcome.Open,
        };
        var transfer = e.Transfer is { } t ? new CityTransfer(t.TargetNode, t.Reason, s.Title, null, null, s.Category) : null;
        return new CityFeedEntry(e.Position, e.CaseNumber, kind, e.EventType, e.OccurredAt, summary, outcome, e.Comment, origin, transfer);
    }

    internal static string Camel(string name) =>
        string.Concat(name[..1].ToLower(CultureInfo.InvariantCulture), name.AsSpan(1));
}

/// <summary>上级调阅 at this city (<see cref="ICityCaseDetails"/>) over ticketing's <see cref="ICaseDetailSource"/>, which masks and audits.</summary>
internal sealed class TicketingCaseDetails(ICaseDetailSource source) : ICityCaseDetails
{
    public async Task<Result<CityCaseDetail>> ReadAsync(CityCaseDetailRequest request, CancellationToken ct)
    {
        var read = await source.ReadAsync(new CaseDetailRequest(request.CaseNumber, request.RequestedByNode, request.RequestedByUser,
            request.Reason, request.Via), ct);
        if (!read.IsSuccess)
        {
            return read.Error!;
        }

        var d = read.Value;
        return new CityCaseDetail(d.CaseNumber, TicketingCityCases.Camel(d.Type.ToString()), d.Category, TicketingCityCases.Camel(d.Channel.ToString()),
            d.Status, d.StatusText, d.Title, d.Description, d.CallerMasked, d.Location, d.AcceptedAt, d.Deadline, d.HandlingUnit, d.Major,
            d.Reply, d.Source?.OriginNode, d.Source?.OriginCaseNumber,
            [.. d.Timeline.Select(t => new CityCaseDetailEvent(t.At, t.Kind, t.Status, t.Text, t.Comment, t.Actor))]);
    }
}

/// <summary>The relay's wake-up (<see cref="ICityFeedSignal"/>): ticketing's commit signal.</summary>
internal sealed class TicketingFeedSignal(ICaseFeedSignal signal) : ICityFeedSignal
{
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => signal.WaitAsync(timeout, ct);
}
