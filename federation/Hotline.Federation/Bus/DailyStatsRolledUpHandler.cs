using Hotline.Federation.Contracts;
using Hotline.Federation.Routing;
using Hotline.Identity;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Hotline.Federation.Bus;

/// <summary>
/// A city's day arriving over the bus: applied to the analytics store with the sender the transport authenticated
/// (<see cref="InboundPeer"/>), never the node the message names — the store refuses a city outside this node's scope or
/// not under the sender (an analyst of 广东 never sees 江苏, whatever a peer sends). A refused or stale day is logged
/// and dropped; it completes and is never retried. Public only because Wolverine's generated code calls it.
/// </summary>
public sealed partial class DailyStatsRolledUpHandler(
    IServiceScopeFactory scopes,
    IOptions<FederationOptions> federation,
    ILogger<DailyStatsRolledUpHandler> logger)
{
    /// <summary>Handles <see cref="DailyStatsRolledUp"/>.</summary>
    public async Task Handle(DailyStatsRolledUp message, Envelope envelope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        var sender = InboundPeer.SenderOf(envelope, federation.Value.Transport);
        if (sender is null)
        {
            LogNoSender(logger, message.Node, message.Day, envelope.Source ?? "?");
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<IDailyStatsExchange>() is not { } exchange)
        {
            LogNoAnalytics(logger, message.Node, message.Day);
            return;
        }

        var result = await exchange.ApplyAsync(message.ToStats(), sender, ct);
        if (!result.IsSuccess)
        {
            LogRefused(logger, message.Node, message.Day, sender, result.Error!.Code);
        }
    }

    [LoggerMessage(EventId = 4150, Level = LogLevel.Warning, Message = "Statistics of {Node} for {Day} (source {Source}) came without an authenticated sender; dropped")]
    private static partial void LogNoSender(ILogger logger, string node, string day, string source);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Warning, Message = "Statistics of {Node} for {Day} from {Sender} refused ({Code}); dropped")]
    private static partial void LogRefused(ILogger logger, string node, string day, string sender, string code);

    [LoggerMessage(EventId = 4152, Level = LogLevel.Warning, Message = "Statistics of {Node} for {Day} dropped: this node runs no analytics module")]
    private static partial void LogNoAnalytics(ILogger logger, string node, string day);
}

/// <summary>
/// Sends the days this node owes its parent (a city's own, a province's received ones) to the parent's durable peer
/// endpoint every <see cref="IDailyStatsExchange.SendInterval"/>, then marks them sent (the outbox keeps each send
/// until delivered; a day changed meanwhile stays pending and goes again).
/// </summary>
internal sealed partial class DailyStatsUplink(
    IServiceScopeFactory scopes,
    IOptions<NodeOptions> node,
    IOptions<FederationOptions> federation,
    IOptions<PeerNodesOptions> peers,
    TimeProvider clock,
    ILogger<DailyStatsUplink> logger) : BackgroundService
{
    private TimeSpan? _interval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var parent = node.Value.Parent;
        if (string.IsNullOrEmpty(parent) || !HasEndpoint(parent) || !HasStatistics())
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendPendingAsync(parent, stoppingToken) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, parent, ex);
            }

            try
            {
                await Task.Delay(_interval ?? interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<int> SendPendingAsync(string parent, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<IDailyStatsExchange>() is not { } exchange)
        {
            return 0;
        }

        _interval = exchange.SendInterval;
        var pending = await exchange.ReadPendingAsync(100, ct);
        if (pending.Count == 0)
        {
            return 0;
        }

        var endpoint = scope.ServiceProvider.GetRequiredService<IMessageBus>().EndpointFor(FederationEndpoints.PeerEndpointName(parent));
        var now = clock.GetUtcNow();
        foreach (var day in pending)
        {
            await endpoint.SendAsync(DailyStatsRolledUp.Of(day, now));
        }

        await exchange.MarkSentAsync(pending, ct);
        LogSent(logger, pending.Count, parent);
        return pending.Count;
    }

    /// <summary>A node that composes no statistics module has no days to send: the uplink does not run at all.</summary>
    private bool HasStatistics()
    {
        using var scope = scopes.CreateScope();
        return scope.ServiceProvider.GetService<IDailyStatsExchange>() is not null;
    }

    private bool HasEndpoint(string parent) =>
        federation.Value.Transport == FederationTransport.RabbitMq
        || peers.Value.Peers.Any(p => p.Id == parent && Uri.TryCreate(p.Url, UriKind.Absolute, out _));

    [LoggerMessage(EventId = 4153, Level = LogLevel.Debug, Message = "Sent {Count} days of statistics to {Parent}")]
    private static partial void LogSent(ILogger logger, int count, string parent);

    [LoggerMessage(EventId = 4154, Level = LogLevel.Error, Message = "Sending statistics to {Parent} failed; retrying")]
    private static partial void LogFailed(ILogger logger, string parent, Exception ex);
}
