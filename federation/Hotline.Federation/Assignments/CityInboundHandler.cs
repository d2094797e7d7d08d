using Hotline.Federation.CityCases;
using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Hotline.Federation.Assignments;

/// <summary>
/// Messages travelling down to a city (交办, 转办, 催办/督办/通报): forwarded hop by hop, and at the target city handed
/// to the city's case module (<see cref="ICityCases"/>, idempotent there by origin reference / reminder id). A city
/// without a case module, or one that refuses the message, dead-letters it with the reason. Public only because
/// Wolverine's generated code calls it; each message gets its own DI scope.
/// </summary>
public sealed class CityInboundHandler(IServiceScopeFactory scopes)
{
    /// <summary>交办 travelling down.</summary>
    public Task Handle(CaseAssigned message, IMessageBus bus, CancellationToken ct) =>
        AcceptAsync(message, new IncomingCase(IncomingChannel.Assignment, message.OriginNode, message.CaseNumber, message.CorrelationId,
            message.Type, null, message.Description, null, null, message.Deadline), bus, ct);

    /// <summary>转办 (version 1) travelling across.</summary>
    public Task Handle(CaseTransferred message, IMessageBus bus, CancellationToken ct) =>
        AcceptAsync(message, new IncomingCase(IncomingChannel.Transfer, message.OriginNode, message.CaseNumber, message.CorrelationId,
            message.Type, message.Category, message.Description, message.Phone, message.Name, message.Deadline), bus, ct);

    /// <summary>转办 with its full content (version 2).</summary>
    public Task Handle(CaseTransferredV2 message, IMessageBus bus, CancellationToken ct) =>
        AcceptAsync(message, new IncomingCase(IncomingChannel.Transfer, message.OriginNode, message.CaseNumber, message.CorrelationId,
            message.Type, message.Category, message.Description, message.Phone, message.Name, message.Deadline)
        {
            Confidential = message.Confidential,
            Enterprise = message.Enterprise,
            Location = message.Location,
            OccurredAt = message.OccurredAt,
        }, bus, ct);

    /// <summary>催办 (or a result sent back) travelling down.</summary>
    public Task Handle(CaseUrged message, IMessageBus bus, CancellationToken ct) =>
        ReminderAsync(message, message.ReminderId, message.Kind, message.Text, message.At, bus, ct);

    /// <summary>督办 / 通报 travelling down.</summary>
    public Task Handle(CaseSupervised message, IMessageBus bus, CancellationToken ct) =>
        ReminderAsync(message, message.ReminderId, message.Kind, message.Text, message.At, bus, ct);

    private async Task AcceptAsync(IRoutedMessage message, IncomingCase incoming, IMessageBus bus, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (router, db) = Parts(scope.ServiceProvider);
        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
            return;
        }

        var result = await Cases(scope.ServiceProvider, router).AcceptAsync(incoming, ct);
        if (!result.IsSuccess)
        {
            throw new FederationRejectedException(
                $"City {router.Self} refused {incoming.Channel} {incoming.OriginCaseNumber}: {result.Error!.Code} {result.Error.Message}");
        }

        await db.IncrementAsync(result.Value.AlreadyExisted ? Counters.Duplicates : Counters.Applied, ct: ct);
        await db.SaveChangesAsync(ct);
    }

    private async Task ReminderAsync(IRoutedMessage message, Guid id, ReminderKind kind, string text, DateTimeOffset at,
        IMessageBus bus, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (router, db) = Parts(scope.ServiceProvider);
        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
            return;
        }

        var reminder = new IncomingFeedback(id, message.CaseNumber, message.OriginNode, ReminderKinds.Name(kind), text, at)
        {
            CorrelationId = message.CorrelationId,
        };
        var result = await Cases(scope.ServiceProvider, router).RecordReminderAsync(reminder, ct);
        if (result.Error is { } error)
        {
            throw new FederationRejectedException($"{message.GetType().Name} {message.CaseNumber} refused: {error.Code} {error.Message}");
        }

        await db.IncrementAsync(Counters.Applied, ct: ct);
        await db.SaveChangesAsync(ct);
    }

    private static (NextHopSender Router, FederationDbContext Db) Parts(IServiceProvider services) =>
        (services.GetRequiredService<NextHopSender>(), services.GetRequiredService<FederationDbContext>());

    private static ICityCases Cases(IServiceProvider services, NextHopSender router) =>
        services.GetService<ICityCases>()
        ?? throw new FederationRejectedException($"Node {router.Self} has no case module: it cannot take cases.");
}

/// <summary>Stable names of reminder kinds, as recorded on the city's case.</summary>
internal static class ReminderKinds
{
    public static string Name(ReminderKind kind) => kind switch
    {
        ReminderKind.Urge => "urged",
        ReminderKind.Supervise => "supervised",
        ReminderKind.Notice => "noticed",
        ReminderKind.SentBack => "sentBack",
        _ => kind.ToString(),
    };
}
