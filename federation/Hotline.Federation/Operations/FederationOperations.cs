using Hotline.Federation.Persistence;
using Microsoft.EntityFrameworkCore;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Hotline.Federation.Operations;

/// <summary>A queue's depth as the operator sees it.</summary>
public sealed record FederationQueues(int Incoming, int Outgoing, int Scheduled, int DeadLetters, int Refused, IReadOnlyDictionary<string, long> Counters,
    IReadOnlyList<OutgoingByDestination> OutgoingByDestination);

/// <summary>Outgoing envelopes waiting for one neighbour.</summary>
public sealed record OutgoingByDestination(string Destination, int Count);

/// <summary>A dead letter: a message this node will not apply until an operator replays it, with the reason.</summary>
public sealed record DeadLetterView(Guid Id, string MessageType, string Reason, string ExceptionType, DateTimeOffset SentAt, string? Source, bool Replayable);

/// <summary>An inbound request refused before it was read (token absent, forged or for another audience).</summary>
public sealed record RefusedView(Guid Id, DateTimeOffset At, string Reason, string? RemoteAddress, string? MessageTypes, int Envelopes);

/// <summary>The operator's view of the node's federation queues: counts, dead letters with reasons, replay.</summary>
internal sealed class FederationOperations(IWolverineRuntime runtime, FederationDbContext db)
{
    private IMessageStore Store => runtime.Storage;

    public async Task<FederationQueues> QueuesAsync(CancellationToken ct)
    {
        var counts = await Store.Admin.FetchCountsAsync();
        var outgoing = await Store.Admin.AllOutgoingAsync();
        var byDestination = outgoing
            .GroupBy(e => e.Destination?.ToString() ?? "?")
            .Select(g => new OutgoingByDestination(g.Key, g.Count()))
            .OrderBy(x => x.Destination, StringComparer.Ordinal)
            .ToList();
        var refused = await db.RefusedMessages.CountAsync(ct);
        return new FederationQueues(counts.Incoming, counts.Outgoing, counts.Scheduled, counts.DeadLetter, refused,
            await db.ReadCountersAsync(ct), byDestination);
    }

    public async Task<IReadOnlyList<DeadLetterView>> DeadLettersAsync(int max, CancellationToken ct)
    {
        var results = await Store.DeadLetters.QueryAsync(new DeadLetterEnvelopeQuery { PageSize = max }, ct);
        return results.Envelopes
            .Select(d => new DeadLetterView(d.Id, d.MessageType, d.ExceptionMessage, d.ExceptionType, d.SentAt, d.Source, d.Replayable))
            .ToList();
    }

    public async Task<IReadOnlyList<RefusedView>> RefusedAsync(int max, CancellationToken ct)
    {
        // SQLite cannot order by DateTimeOffset; the refused log is small, so it is ordered here.
        var rows = await db.RefusedMessages.AsNoTracking().ToListAsync(ct);
        return rows.OrderByDescending(r => r.At).Take(max)
            .Select(r => new RefusedView(r.Id, r.At, r.Reason, r.RemoteAddress, r.MessageTypes, r.Envelopes))
            .ToList();
    }

    /// <summary>Moves the given dead letters back to the inbox to be handled again.</summary>
    public async Task ReplayAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        await Store.DeadLetters.ReplayAsync(new DeadLetterEnvelopeQuery([.. ids]), ct);
    }
}
