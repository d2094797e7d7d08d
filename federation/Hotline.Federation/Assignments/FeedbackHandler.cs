using Hotline.Federation.CityCases;
using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Assignments;

/// <summary>
/// Feedback (进展 / 办结 / 退单) travelling from the handling city back to the origin: forwarded hop by hop; at an
/// assigner (province/ministry) applied to the 交办 read model, at a city (转办 origin) recorded on its case.
/// Idempotent by feedback id. Public only because Wolverine's generated code calls it; each message gets its own DI scope.
/// </summary>
public sealed class FeedbackHandler(IServiceScopeFactory scopes)
{
    /// <summary>Progress travelling back to the origin.</summary>
    public Task Handle(CaseProgressed message, IMessageBus bus, CancellationToken ct) => ApplyAsync(message, bus, ct);

    /// <summary>The result travelling back to the origin.</summary>
    public Task Handle(CaseResolved message, IMessageBus bus, CancellationToken ct) => ApplyAsync(message, bus, ct);

    /// <summary>退单 travelling back to the origin.</summary>
    public Task Handle(CaseReturned message, IMessageBus bus, CancellationToken ct) => ApplyAsync(message, bus, ct);

    private async Task ApplyAsync(ICaseFeedback message, IMessageBus bus, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var router = services.GetRequiredService<NextHopSender>();
        var db = services.GetRequiredService<FederationDbContext>();
        if (!router.IsForMe(message))
        {
            await router.ForwardAsync(bus, message);
            return;
        }

        if (services.GetRequiredService<IOptions<NodeOptions>>().Value.Tier == NodeTier.Municipal)
        {
            await RecordAtOriginCityAsync(services, router, db, message, ct);
            return;
        }

        var row = await db.Assignments.FindAsync([message.CaseNumber], ct)
            ?? throw new FederationRejectedException($"Node {router.Self} has no assignment {message.CaseNumber} for {message.GetType().Name}.");
        if (await db.AssignmentEvents.FindAsync([message.FeedbackId], ct) is not null)
        {
            await db.IncrementAsync(Counters.Duplicates, ct: ct);
            await db.SaveChangesAsync(ct);
            return;
        }

        db.AssignmentEvents.Add(new AssignmentEvent
        {
            Id = message.FeedbackId,
            CaseNumber = message.CaseNumber,
            Kind = KindName(message.Kind),
            Text = message.Text,
            At = message.At,
        });
        row.HandlerCaseNumber ??= message.HandlerCaseNumber;
        ApplyStatus(row, message);
        await db.IncrementAsync(Counters.Applied, ct: ct);
        await db.SaveChangesAsync(ct);
    }

    private static void ApplyStatus(Assignment row, ICaseFeedback message)
    {
        if (row.Status == AssignmentStatus.Accepted)
        {
            return;
        }

        switch (message.Kind)
        {
            case FeedbackKind.Resolved:
                row.Status = AssignmentStatus.Resolved;
                row.Result = message.Text;
                break;
            case FeedbackKind.Returned:
                row.Status = AssignmentStatus.Returned;
                row.Result = message.Text;
                break;
            default:
                // Progress after a result (late or out of order) does not reopen it.
                if (row.Status is AssignmentStatus.Assigned)
                {
                    row.Status = AssignmentStatus.InProgress;
                }

                break;
        }
    }

    private static async Task RecordAtOriginCityAsync(IServiceProvider services, NextHopSender router, FederationDbContext db,
        ICaseFeedback message, CancellationToken ct)
    {
        var cases = services.GetService<ICityCases>()
            ?? throw new FederationRejectedException($"Node {router.Self} has no case module for feedback on {message.CaseNumber}.");
        var result = await cases.RecordFeedbackAsync(
            new IncomingFeedback(message.FeedbackId, message.CaseNumber, message.OriginNode, KindName(message.Kind), message.Text, message.At), ct);
        if (!result.IsSuccess)
        {
            throw new FederationRejectedException($"City {router.Self} refused feedback on {message.CaseNumber}: {result.Error!.Code} {result.Error.Message}");
        }

        await db.IncrementAsync(Counters.Applied, ct: ct);
        await db.SaveChangesAsync(ct);
    }

    internal static string KindName(FeedbackKind kind) => kind switch
    {
        FeedbackKind.Progressed => "progressed",
        FeedbackKind.Resolved => "resolved",
        FeedbackKind.Returned => "returned",
        _ => kind.ToString(),
    };
}
