using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Reporting;

/// <summary>
/// 上报: applies case summaries reported up from cities to this node's read model (provinces and the ministry) and
/// forwards them toward the ministry. Idempotent and order-tolerant: a snapshot older than the stored one is ignored.
/// A <see cref="CaseReportBatch"/> is applied in one read-model transaction (<see cref="ReadModelUpsert"/>) and forwarded
/// as one envelope.
/// </summary>
internal sealed class ReportingApplier(FederationDbContext db, NextHopSender router, IOptions<NodeOptions> node)
{
    public Task Handle(CaseReported message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, [new CaseReport(message.CaseNumber, message.Version, message.OccurredAt, "created", message.CorrelationId, message.Summary)], bus, ct);

    public Task Handle(CaseStatusChanged message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, [new CaseReport(message.CaseNumber, message.Version, message.OccurredAt, message.EventType, message.CorrelationId, message.Summary)], bus, ct);

    public Task Handle(CaseReportBatch message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, message.Reports, bus, ct);

    private async Task ApplyAndForwardAsync(IRoutedMessage message, IReadOnlyList<CaseReport> reports, IMessageBus bus, CancellationToken ct)
    {
        if (node.Value.Tier != NodeTier.Municipal && reports.Count > 0)
        {
            await UpsertAsync(message.OriginNode, reports, ct);
        }

        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
        }
    }

    /// <summary>One statement per 500 reports, no read first: the newest snapshot wins, counters bumped atomically.</summary>
    private Task UpsertAsync(string city, IReadOnlyList<CaseReport> reports, CancellationToken ct) =>
        ReadModelUpsert.ApplyAsync(db, city, reports, ct);
}
