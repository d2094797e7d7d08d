using System.Net.Http.Json;
using System.Reflection;
using Hotline.Directory.Contracts;
using Hotline.Identity;
using Hotline.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Directory.Heartbeats;

/// <summary>
/// Every <see cref="DirectoryOptions.HeartbeatInterval"/>: records this node's own beat locally, then posts it and the
/// children's beats waiting in the <see cref="HeartbeatRelay"/> to the parent (bearer token from the parent's IdP).
/// A parent that is down is logged once, when it goes down and when it comes back.
/// </summary>
internal sealed partial class HeartbeatSender(
    IServiceScopeFactory scopes,
    IHttpClientFactory httpClients,
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

    private volatile bool _parentDown;

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
        var http = httpClients.CreateClient(ParentClientName);
        if (http.BaseAddress is null)
        {
            return;
        }

        foreach (var beat in relay.Drain())
        {
            await PostAsync(http, beat, cancellationToken);
        }
    }

    internal async Task BeatAsync(CancellationToken cancellationToken)
    {
        var own = OwnHeartbeat();
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RecordHeartbeatHandler>().RecordOwnAsync(own, cancellationToken);
        }

        if (string.IsNullOrEmpty(node.Value.Parent))
        {
            return;
        }

        var http = httpClients.CreateClient(ParentClientName);
        if (http.BaseAddress is null)
        {
            if (!_parentDown)
            {
                LogParentUnreachable(logger, node.Value.Parent, "no Federation:Peers entry for the parent");
                _parentDown = true;
            }

            return;
        }

        var ok = await PostAsync(http, own, cancellationToken);

        if (ok && _parentDown)
        {
            LogParentBack(logger, node.Value.Parent);
        }

        _parentDown = !ok;
    }

    private async Task<bool> PostAsync(HttpClient http, NodeHeartbeat beat, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("api/v1/directory/heartbeats", beat, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            if (!_parentDown)
            {
                LogParentRefused(logger, node.Value.Parent!, beat.Id, (int)response.StatusCode);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or PeerTokenException
                                       || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            if (!_parentDown)
            {
                LogParentUnreachable(logger, node.Value.Parent!, ex.Message);
            }
        }

        return false;
    }

    private NodeHeartbeat OwnHeartbeat()
    {
        var self = node.Value;
        var sip = configuration.GetSection("Sip");
        var endpoints = sip["Udp"] is null && sip["Tcp"] is null
            ? null
            : new SipEndpoints(sip["Udp"], sip["Tcp"], sip["Hotline"]);
        return new NodeHeartbeat(self.Id, self.Name, self.Tier.ToString().ToLowerInvariant(),
            string.IsNullOrEmpty(self.Parent) ? null : self.Parent, self.PublicUrl, endpoints, Version, clock.GetUtcNow());
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Directory: heartbeat failed")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Directory: parent {Parent} unreachable ({Reason}); retrying every beat")]
    private static partial void LogParentUnreachable(ILogger logger, string parent, string reason);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Directory: parent {Parent} refused the beat of {NodeId} with {Status}")]
    private static partial void LogParentRefused(ILogger logger, string parent, string nodeId, int status);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "Directory: parent {Parent} takes heartbeats again")]
    private static partial void LogParentBack(ILogger logger, string parent);
}
