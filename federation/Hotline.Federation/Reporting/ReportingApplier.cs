using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.SharedKernel;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Reporting;

/// <summary>
/// 上报: applies case summaries reported up from cities to this node's read model (provinces and the ministry) and
/// forwards them toward the ministry. Idempotent and order-tolerant: a snapshot older than the stored one is ignored.
/// </summary>
internal sealed class ReportingApplier(FederationDbContext db, NextHopSender router, IOptions<NodeOptions> node)
{
    public Task Handle(CaseReported message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, message.Version, message.OccurredAt, "created", message.Summary, bus, ct);

    public Task Handle(CaseStatusChanged message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, message.Version, message.OccurredAt, message.EventType, message.Summary, bus, ct);

    private async Task ApplyAndForwardAsync(IRoutedMessage message, long version, DateTimeOffset at, string eventType,
        CaseSummary summary, IMessageBus bus, CancellationToken ct)
    {
        if (node.Value.Tier != NodeTier.Municipal)
        {
            await UpsertAsync(message.OriginNode, version, at, eventType, summary, ct);
        }

        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
        }
    }

    private async Task UpsertAsync(string city, long version, DateTimeOffset at, string eventType, CaseSummary s, CancellationToken ct)
    {
        var row = await db.ReportedCases.FindAsync([s.CaseNumber], ct);
        if (row is null)
        {
            row = new ReportedCase { CaseNumber = s.CaseNumber, CityNode = city };
            db.ReportedCases.Add(row);
        }
        else if (row.Version >= version)
        {
            await db.IncrementAsync(Counters.Duplicates, ct: ct);
            await db.SaveChangesAsync(ct);
            return;
        }

        row.Type = s.Type;
        row.Category = s.Category;
        row.Channel = s.Channel;
        row.Title = s.Title;
        row.MaskedPhone = Masking.Phone(s.MaskedPhone);
        row.Status = s.Status;
        row.LastEvent = eventType;
        row.CreatedAt = s.CreatedAt;
        row.Deadline = s.Deadline;
        row.Major = s.Major;
        row.Version = version;
        row.UpdatedAt = at;
        await db.IncrementAsync(Counters.Applied, ct: ct);
        await db.SaveChangesAsync(ct);
    }
}
