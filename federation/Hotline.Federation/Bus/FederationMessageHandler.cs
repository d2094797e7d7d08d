using Hotline.Federation.Assignments;
using Hotline.Federation.Contracts;
using Hotline.Federation.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Hotline.Federation.Bus;

/// <summary>
/// Applies (or forwards) every routed federation message at this node. Public only so that Wolverine's generated
/// handler code (compiled into another assembly) can call it; the module's internal implementation does the work.
/// </summary>
public interface IFederationApplier
{
    /// <summary>上报 of a new case.</summary>
    Task ApplyAsync(CaseReported message, IMessageBus bus, CancellationToken ct);

    /// <summary>上报 of a status change.</summary>
    Task ApplyAsync(CaseStatusChanged message, IMessageBus bus, CancellationToken ct);

    /// <summary>批量上报: many summaries in one envelope.</summary>
    Task ApplyAsync(CaseReportBatch message, IMessageBus bus, CancellationToken ct);

    /// <summary>交办 travelling down.</summary>
    Task ApplyAsync(CaseAssigned message, IMessageBus bus, CancellationToken ct);

    /// <summary>转办 travelling across.</summary>
    Task ApplyAsync(CaseTransferred message, IMessageBus bus, CancellationToken ct);

    /// <summary>转办 with its full content (version 2).</summary>
    Task ApplyAsync(CaseTransferredV2 message, IMessageBus bus, CancellationToken ct);

    /// <summary>催办 (or a result sent back) travelling down.</summary>
    Task ApplyAsync(CaseUrged message, IMessageBus bus, CancellationToken ct);

    /// <summary>督办 / 通报 travelling down.</summary>
    Task ApplyAsync(CaseSupervised message, IMessageBus bus, CancellationToken ct);

    /// <summary>Progress travelling back to the origin.</summary>
    Task ApplyAsync(CaseProgressed message, IMessageBus bus, CancellationToken ct);

    /// <summary>The result travelling back to the origin.</summary>
    Task ApplyAsync(CaseResolved message, IMessageBus bus, CancellationToken ct);

    /// <summary>退单 travelling back to the origin.</summary>
    Task ApplyAsync(CaseReturned message, IMessageBus bus, CancellationToken ct);
}

/// <summary>The Wolverine handler of every federation contract (one durable inbox queue per node).</summary>
public sealed class FederationMessageHandler(IFederationApplier applier)
{
    /// <summary>Handles <see cref="CaseReported"/>.</summary>
    public Task Handle(CaseReported message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseStatusChanged"/>.</summary>
    public Task Handle(CaseStatusChanged message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseReportBatch"/>.</summary>
    public Task Handle(CaseReportBatch message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseAssigned"/>.</summary>
    public Task Handle(CaseAssigned message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseTransferred"/>.</summary>
    public Task Handle(CaseTransferred message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseTransferredV2"/>.</summary>
    public Task Handle(CaseTransferredV2 message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseUrged"/>.</summary>
    public Task Handle(CaseUrged message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseSupervised"/>.</summary>
    public Task Handle(CaseSupervised message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseProgressed"/>.</summary>
    public Task Handle(CaseProgressed message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseResolved"/>.</summary>
    public Task Handle(CaseResolved message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);

    /// <summary>Handles <see cref="CaseReturned"/>.</summary>
    public Task Handle(CaseReturned message, IMessageBus bus, CancellationToken ct) => applier.ApplyAsync(message, bus, ct);
}

/// <summary>
/// Dispatches each contract to the applier that owns it, in a fresh DI scope per message. A singleton, so that
/// Wolverine's generated code takes it as a constructor argument instead of locating internal services.
/// </summary>
internal sealed class FederationApplier(IServiceScopeFactory scopes) : IFederationApplier
{
    public Task ApplyAsync(CaseReported message, IMessageBus bus, CancellationToken ct) =>
        InScope<ReportingApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseStatusChanged message, IMessageBus bus, CancellationToken ct) =>
        InScope<ReportingApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseReportBatch message, IMessageBus bus, CancellationToken ct) =>
        InScope<ReportingApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseAssigned message, IMessageBus bus, CancellationToken ct) =>
        InScope<CityInboundApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseTransferred message, IMessageBus bus, CancellationToken ct) =>
        InScope<CityInboundApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseTransferredV2 message, IMessageBus bus, CancellationToken ct) =>
        InScope<CityInboundApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseUrged message, IMessageBus bus, CancellationToken ct) =>
        InScope<CityInboundApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseSupervised message, IMessageBus bus, CancellationToken ct) =>
        InScope<CityInboundApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseProgressed message, IMessageBus bus, CancellationToken ct) =>
        InScope<FeedbackApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseResolved message, IMessageBus bus, CancellationToken ct) =>
        InScope<FeedbackApplier>(a => a.Handle(message, bus, ct));

    public Task ApplyAsync(CaseReturned message, IMessageBus bus, CancellationToken ct) =>
        InScope<FeedbackApplier>(a => a.Handle(message, bus, ct));

    private async Task InScope<T>(Func<T, Task> apply)
        where T : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        await apply(scope.ServiceProvider.GetRequiredService<T>());
    }
}
