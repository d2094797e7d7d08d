using System.Net.Http.Json;
using Hotline.Directory.Contracts;
using Hotline.Identity;
using Hotline.SharedKernel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Directory.Heartbeats;

/// <summary>
/// 心跳上行 — the way from this node to its parent that <see cref="HeartbeatSender"/> hands each beat to (its own and
/// the children's it relays). The federation module replaces the HTTP fallback with the durable bus
/// (<c>node-heartbeat.V1</c> to the parent's peer endpoint, expiring <see cref="DirectoryOptions.HeartbeatExpiry"/>
/// after the beat was sent). An implementation logs its own failures; the sender only keeps beating.
/// </summary>
public interface IHeartbeatUplink
{
    /// <summary>Sends <paramref name="beat"/> towards the parent; false when it could not be handed over.</summary>
    Task<bool> SendAsync(NodeHeartbeat beat, CancellationToken cancellationToken);
}

/// <summary>
/// The fallback uplink for a host without the federation bus: posts the beat to the parent's
/// <c>POST /api/v1/directory/heartbeats</c> with a token from the parent's IdP. A parent that is down is logged once,
/// when it goes down and when it comes back.
/// </summary>
internal sealed partial class HttpHeartbeatUplink(
    IHttpClientFactory httpClients,
    IOptions<NodeOptions> node,
    ILogger<HttpHeartbeatUplink> logger) : IHeartbeatUplink
{
    private volatile bool _parentDown;

    public async Task<bool> SendAsync(NodeHeartbeat beat, CancellationToken cancellationToken)
    {
        var parent = node.Value.Parent;
        if (string.IsNullOrEmpty(parent))
        {
            return false;
        }

        var http = httpClients.CreateClient(HeartbeatSender.ParentClientName);
        if (http.BaseAddress is null)
        {
            Down(parent, "no Federation:Peers entry for the parent");
            return false;
        }

        try
        {
            using var response = await http.PostAsJsonAsync("api/v1/directory/heartbeats", beat, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                if (_parentDown)
                {
                    LogParentBack(logger, parent);
                    _parentDown = false;
                }

                return true;
            }

            if (!_parentDown)
            {
                LogParentRefused(logger, parent, beat.Id, (int)response.StatusCode);
            }

            _parentDown = true;
        }
        catch (Exception ex) when (ex is HttpRequestException or PeerTokenException
                                       || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Down(parent, ex.Message);
        }

        return false;
    }

    private void Down(string parent, string reason)
    {
        if (!_parentDown)
        {
            LogParentUnreachable(logger, parent, reason);
            _parentDown = true;
        }
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Directory: parent {Parent} unreachable ({Reason}); retrying every beat")]
    private static partial void LogParentUnreachable(ILogger logger, string parent, string reason);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Directory: parent {Parent} refused the beat of {NodeId} with {Status}")]
    private static partial void LogParentRefused(ILogger logger, string parent, string nodeId, int status);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "Directory: parent {Parent} takes heartbeats again")]
    private static partial void LogParentBack(ILogger logger, string parent);
}
