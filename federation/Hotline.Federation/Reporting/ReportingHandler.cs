using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Reporting;

/// <summary>
/// 上报: applies case summaries reported up from cities to this node's read model (provinces and the ministry) and
/// forwards them toward the ministry. Idempotent and order-tolerant: a snapshot older than the stored one is ignored.
/// A <see cref="CaseReportBatch"/> is applied in one read-model transaction (<see cref="ReadModelUpsert"/>) and forwarded
/// as one envelope. Public only because Wolverine's generated code calls it; each message gets its own DI scope.
/// </summary>
public sealed class ReportingHandler(IServiceScopeFactory scopes)
{
    /// <summary>A single new case (older cities; the relay sends batches).</summary>
    public Task Handle(CaseReported message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message,
            [new CaseReport(message.CaseNumber, message.Version, message.OccurredAt, CaseReport.CreatedEvent, message.CorrelationId, message.Summary)],
            bus, ct);

    /// <summary>A single status change (older cities; the relay sends batches).</summary>
    public Task Handle(CaseStatusChanged message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message,
            [new CaseReport(message.CaseNumber, message.Version, message.OccurredAt, message.EventType, message.CorrelationId, message.Summary)],
            bus, ct);

    /// <summary>批量上报: one relay pass of a city.</summary>
    public Task Handle(CaseReportBatch message, IMessageBus bus, CancellationToken ct) =>
        ApplyAndForwardAsync(message, message.Reports, bus, ct);

    private async Task ApplyAndForwardAsync(IRoutedMessage message, IReadOnlyList<CaseReport> reports, IMessageBus bus, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var router = services.GetRequiredService<NextHopSender>();
        if (services.GetRequiredService<IOptions<NodeOptions>>().Value.Tier != NodeTier.Municipal && reports.Count > 0)
        {
            // One statement per 500 reports, no read first: the newest snapshot wins, counters bumped atomically.
            await ReadModelUpsert.ApplyAsync(services.GetRequiredService<FederationDbContext>(), message.OriginNode, reports, ct);
        }

        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
        }
    }
}
