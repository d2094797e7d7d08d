using System.Security.Cryptography;
using System.Text;
using Hotline.Federation.CityCases;
using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Hotline.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Relay;

/// <summary>
/// The city's relay: reads the case feed after the position it persisted and publishes each change through the
/// durable outbox — summaries upward (上报), feedback back toward the origin of 交办/转办 cases, and 转办 itself.
/// At-least-once: after a crash the last batch may be published again; every receiver is idempotent.
/// <para>
/// When it runs: at once when the case module commits feed entries (<see cref="ICityFeedSignal"/>), with
/// <c>Federation:RelayPollInterval</c> as the fallback poll; again at once after a full batch (backlog). While reports
/// keep coming, passes are spaced at least <c>Federation:RelayLinger</c> apart (start to start), so that under load
/// each envelope carries many reports (the per-envelope cost at every hop dominates), while a report after a quiet
/// spell leaves at once instead of waiting out a linger.
/// </para>
/// </summary>
internal sealed partial class CaseFeedRelay(IServiceScopeFactory scopes, IOptions<FederationOptions> options,
    IOptions<NodeOptions> node, ILogger<CaseFeedRelay> logger, TimeProvider clock, ICityFeedSignal? feedSignal = null) : BackgroundService
{
    internal const string CursorId = "case-feed";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backlog = false;
        long lastPass = 0;
        var lastPassFound = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var o = options.Value;
            try
            {
                if (!backlog)
                {
                    await WaitForFeedAsync(o.RelayPollInterval, stoppingToken);
                }

                // Pacing under load only: the previous pass found reports and started less than a linger ago.
                var since = clock.GetElapsedTime(lastPass);
                if (!backlog && lastPassFound && since < o.RelayLinger)
                {
                    await Task.Delay(o.RelayLinger - since, clock, stoppingToken);
                }

                lastPass = clock.GetTimestamp();
                var relayed = await RelayBatchAsync(stoppingToken);
                lastPassFound = relayed > 0;
                backlog = relayed >= o.RelayBatchSize;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRelayFailed(logger, ex);
                backlog = false;
                lastPassFound = false;
                await Task.Delay(o.RelayPollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private Task WaitForFeedAsync(TimeSpan timeout, CancellationToken ct) =>
        feedSignal is null ? Task.Delay(timeout, clock, ct) : feedSignal.WaitAsync(timeout, ct);

    /// <summary>Publishes one batch of feed entries; returns how many entries were relayed.</summary>
    internal async Task<int> RelayBatchAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var cases = scope.ServiceProvider.GetService<ICityCases>();
        if (cases is null)
        {
            return 0;
        }

        var db = scope.ServiceProvider.GetRequiredService<FederationDbContext>();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        var router = scope.ServiceProvider.GetRequiredService<NextHopSender>();
        var cursor = await db.RelayCursors.FirstOrDefaultAsync(c => c.Id == CursorId, ct);
        if (cursor is null)
        {
            cursor = new RelayCursor { Id = CursorId, Position = 0 };
            db.RelayCursors.Add(cursor);
        }

        var entries = await cases.ReadFeedAfterAsync(cursor.Position, options.Value.RelayBatchSize, ct);
        if (entries.Count == 0)
        {
            return 0;
        }

        var self = node.Value.Id;
        var sent = entries.Count;
        foreach (var entry in entries)
        {
            foreach (var message in MessagesFor(self, entry))
            {
                sent++;
                await router.ForwardAsync(bus, message);
            }
        }

        // 上报: every entry's summary, as one envelope per pass (one durable write per hop instead of one per case).
        await router.ForwardAsync(bus, BatchOf(self, entries[0].Position, [.. entries.Select(e => ReportOf(self, e))]));

        cursor.Position = entries[^1].Position;
        await db.IncrementAsync(Counters.Published, sent, ct);
        await db.SaveChangesAsync(ct);
        LogRelayed(logger, entries.Count, sent, cursor.Position);
        return entries.Count;
    }

    /// <summary>The case's correlation id: its origin's (交办/转办 chain) or one derived from this city and case number.</summary>
    private static Guid CorrelationOf(string self, CityFeedEntry entry) =>
        entry.Origin?.CorrelationId ?? DeterministicGuid($"{self}|{entry.CaseNumber}");

    /// <summary>The upward summary (上报) of one feed entry, as it goes into the pass's <see cref="CaseReportBatch"/> (pure; unit-tested).</summary>
    internal static CaseReport ReportOf(string self, CityFeedEntry entry) =>
        new(entry.CaseNumber, entry.Position, entry.OccurredAt,
            entry.Event == CityFeedEvent.Created ? CaseReport.CreatedEvent : entry.EventName, CorrelationOf(self, entry), entry.Summary);

    /// <summary>The routed messages one feed entry produces besides its summary: 转办 and feedback to an origin (pure; unit-tested).</summary>
    internal static IEnumerable<IRoutedMessage> MessagesFor(string self, CityFeedEntry entry)
    {
        var correlation = CorrelationOf(self, entry);
        if (entry.Event == CityFeedEvent.TransferredOut && entry.Transfer is { } transfer)
        {
            yield return new CaseTransferredV2(entry.CaseNumber, self, transfer.TargetNode, correlation, entry.Summary.Type,
                transfer.Category ?? entry.Summary.Category, transfer.Description, transfer.Phone, transfer.Name, transfer.Reason,
                entry.Summary.Deadline, entry.OccurredAt, transfer.Confidential, transfer.Enterprise, transfer.Location,
                transfer.OccurredAt, transfer.AcceptedAt ?? entry.Summary.CreatedAt);
        }

        if (entry.Origin is { } origin && FeedbackKindOf(entry) is { } kind)
        {
            // Same feed position → same feedback id, so a re-published entry is recognised as a duplicate.
            var id = DeterministicGuid($"{self}|feed|{entry.Position}");
            var text = string.IsNullOrWhiteSpace(entry.Comment) ? DefaultText(kind, entry) : entry.Comment;
            yield return kind switch
            {
                FeedbackKind.Resolved => new CaseResolved(origin.OriginCaseNumber, self, origin.OriginNode, origin.CorrelationId, id,
                    entry.CaseNumber, text, entry.OccurredAt),
                FeedbackKind.Returned => new CaseReturned(origin.OriginCaseNumber, self, origin.OriginNode, origin.CorrelationId, id,
                    entry.CaseNumber, text, entry.OccurredAt),
                _ => new CaseProgressed(origin.OriginCaseNumber, self, origin.OriginNode, origin.CorrelationId, id,
                    entry.CaseNumber, text, entry.OccurredAt),
            };
        }
    }

    /// <summary>One batch for one relay pass; its correlation id is derived from the first feed position (stable on re-publish).</summary>
    internal static CaseReportBatch BatchOf(string self, long firstPosition, IReadOnlyList<CaseReport> reports) =>
        new(reports[0].CaseNumber, self, NodeOptions.NationalId, DeterministicGuid($"{self}|batch|{firstPosition}"), reports);

    private static FeedbackKind? FeedbackKindOf(CityFeedEntry entry) => entry.Event switch
    {
        CityFeedEvent.Created => FeedbackKind.Progressed,
        CityFeedEvent.StatusChanged => entry.Outcome switch
        {
            CityCaseOutcome.Resolved => FeedbackKind.Resolved,
            CityCaseOutcome.Returned => FeedbackKind.Returned,
            _ => FeedbackKind.Progressed,
        },
        _ => null,
    };

    private static string DefaultText(FeedbackKind kind, CityFeedEntry entry) => kind switch
    {
        FeedbackKind.Resolved => $"已办结（{entry.CaseNumber}）。",
        FeedbackKind.Returned => $"已退单（{entry.CaseNumber}）。",
        _ when entry.Event == CityFeedEvent.Created => $"已受理，承办工单号 {entry.CaseNumber}。",
        _ => $"办理状态：{entry.Summary.Status}。",
    };

    internal static Guid DeterministicGuid(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return new Guid(hash.AsSpan(0, 16));
    }

    [LoggerMessage(EventId = 4120, Level = LogLevel.Debug, Message = "Relayed {Entries} feed entries as {Messages} messages, cursor at {Position}")]
    private static partial void LogRelayed(ILogger logger, int entries, int messages, long position);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Case feed relay failed; retrying")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);
}
