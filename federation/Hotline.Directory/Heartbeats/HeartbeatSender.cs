using System.Reflection;
using Hotline.Directory.Contracts;
using Hotline.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Directory.Heartbeats;

/// <summary>
/// Every <see cref="DirectoryOptions.HeartbeatInterval"/>: records this node's own beat locally, then hands it to the
/// <see cref="IHeartbeatUplink"/> (the federation bus, or HTTP without it); the children's beats waiting in the
/// <see cref="HeartbeatRelay"/> go up as soon as they arrive.
/// </summary>
internal sealed partial class HeartbeatSender(
    IServiceScopeFactory scopes,
    IHeartbeatUplink uplink,
    IOptions<NodeOptions> node,
    IOptions<DirectoryOptions> options,
    IConfiguration configuration,
    HeartbeatRelay relay,
    TimeProvider clock,
    ILogger<HeartbeatSender> logger) : BackgroundService
{
    public const string ParentClientName = "Hotline.Directory.Parent";

    internal static readonly string Version =
        typeof(HeartbeatSender).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HeartbeatSender).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Children's beats go up as soon as they arrive, so a new city shows up at the ministry within a second.
        var relaying = string.IsNullOrEmpty(node.Value.Parent) ? Task.CompletedTask : RelayLoopAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        do
        {
            await GuardAsync(BeatAsync, stoppingToken);
        }
        while (await WaitTickAsync(timer, stoppingToken));

        await relaying;
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RelayLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await relay.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await GuardAsync(RelayAsync, stoppingToken);
        }
    }

    private async Task GuardAsync(Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            await work(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
#pragma warning disable CA1031 // A failed beat must not end the loop; the next one retries.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogBeatFailed(logger, ex);
        }
    }

    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        foreach (var beat in relay.Drain())
        {
            await uplink.SendAsync(beat, cancellationToken);
        }
    }

    internal async Task BeatAsync(CancellationToken cancellationToken)
    {
        var own = OwnHeartbeat();
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RecordHeartbeatHandler>().RecordOwnAsync(own, cancellationToken);
        }

        if (!string.IsNullOrEmpty(node.Value.Parent))
        {
            await uplink.SendAsync(own, cancellationToken);
        }
    }

    private NodeHeartbeat OwnHeartbeat()
    {
        var self = node.Value;
        var sip = configuration.GetSection("Sip");
        var endpoints = sip["Udp"] is null && sip["Tcp"] is null
            ? null
            : new SipEndpoints(sip["Udp"], sip["Tcp"], sip["Hotline"]);
        // The node's gRPC address as others reach it: Node:PublicGrpcUrl when the listener is behind a proxy or NAT.
        var grpc = configuration[$"{NodeOptions.SectionName}:PublicGrpcUrl"] ?? configuration[$"{NodeOptions.SectionName}:GrpcUrl"];
        return new NodeHeartbeat(self.Id, self.Name, self.Tier.ToString().ToLowerInvariant(),
            string.IsNullOrEmpty(self.Parent) ? null : self.Parent, self.PublicUrl, endpoints, Version, clock.GetUtcNow(),
            string.IsNullOrWhiteSpace(grpc) ? null : grpc.TrimEnd('/'));
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Directory: heartbeat failed")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);
}
