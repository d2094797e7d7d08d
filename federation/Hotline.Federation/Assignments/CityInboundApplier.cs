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
/// to the case module (idempotent there by origin reference / reminder id).
/// </summary>
internal sealed class CityInboundApplier(NextHopSender router, FederationDbContext db, IServiceProvider services)
{
    public async Task Handle(CaseAssigned message, IMessageBus bus, CancellationToken ct)
    {
        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
            return;
        }

        var incoming = new IncomingCase(IncomingChannel.Assignment, message.OriginNode, message.CaseNumber, message.CorrelationId,
            message.Type, null, message.Description, null, null, message.Deadline);
        await AcceptAsync(incoming, ct);
    }

    public async Task Handle(CaseTransferred message, IMessageBus bus, CancellationToken ct)
    {
        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
            return;
        }

        var incoming = new IncomingCase(IncomingChannel.Transfer, message.OriginNode, message.CaseNumber, message.CorrelationId,
            message.Type, message.Category, message.Description, message.Phone, message.Name, message.Deadline);
        await AcceptAsync(incoming, ct);
    }

    public async Task Handle(CaseTransferredV2 message, IMessageBus bus, CancellationToken ct)
    {
        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
            return;
        }

        var incoming = new IncomingCase(IncomingChannel.Transfer, message.OriginNode, message.CaseNumber, message.CorrelationId,
            message.Type, message.Category, message.Description, message.Phone, message.Name, message.Deadline)
        {
            Confidential = message.Confidential,
            Enterprise = message.Enterprise,
            Location = message.Location,
            OccurredAt = message.OccurredAt,
        };
        await AcceptAsync(incoming, ct);
    }

    public Task Handle(CaseUrged message, IMessageBus bus, CancellationToken ct) =>
        ReminderAsync(message, message.ReminderId, message.Kind, message.Text, message.At, bus, ct);

    public Task Handle(CaseSupervised message, IMessageBus bus, CancellationToken ct) =>
        ReminderAsync(message, message.ReminderId, message.Kind, message.Text, message.At, bus, ct);

    private async Task ReminderAsync(IRoutedMessage message, Guid id, ReminderKind kind, string text, DateTimeOffset at,
        IMessageBus bus, CancellationToken ct)
    {
        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
            return;
        }

        var reminder = new IncomingFeedback(id, message.CaseNumber, message.OriginNode, ReminderKinds.Name(kind), text, at)
        {
            CorrelationId = message.CorrelationId,
        };
        var result = await Cases().RecordReminderAsync(reminder, ct);
        ThrowIfRejected(result.Error, message);
        await db.IncrementAsync(Counters.Applied, ct: ct);
        await db.SaveChangesAsync(ct);
    }

    private async Task AcceptAsync(IncomingCase incoming, CancellationToken ct)
    {
        var result = await Cases().AcceptAsync(incoming, ct);
        if (!result.IsSuccess)
        {
            throw new FederationRejectedException(
                $"City {router.Self} refused {incoming.Channel} {incoming.OriginCaseNumber}: {result.Error!.Code} {result.Error.Message}");
        }

        await db.IncrementAsync(result.Value.AlreadyExisted ? Counters.Duplicates : Counters.Applied, ct: ct);
        await db.SaveChangesAsync(ct);
    }

    private ICityCases Cases() =>
        services.GetService<ICityCases>()
        ?? throw new FederationRejectedException($"Node {router.Self} has no case module: it cannot take cases.");

    private static void ThrowIfRejected(Error? error, IRoutedMessage message)
    {
        if (error is not null)
        {
            throw new FederationRejectedException($"{message.GetType().Name} {message.CaseNumber} refused: {error.Code} {error.Message}");
        }
    }
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
