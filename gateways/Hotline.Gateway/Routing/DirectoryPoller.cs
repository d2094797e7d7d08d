using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace Hotline.Gateway.Routing;

/// <summary>Reads the national directory every <see cref="GatewayOptions.PollInterval"/> and updates the routes.</summary>
internal sealed partial class DirectoryPoller(
    IHttpClientFactory httpClients,
    DirectoryProxyConfigProvider routes,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<DirectoryPoller> logger) : BackgroundService
{
    public const string HttpClientName = "Hotline.Gateway.Directory";

    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var nationalUrl = new Uri(o.DirectoryUrl);
        using var timer = new PeriodicTimer(o.PollInterval, clock);
        do
        {
            await PollAsync(nationalUrl, o.NationalId, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task PollAsync(Uri nationalUrl, string nationalId, CancellationToken cancellationToken)
    {
        try
        {
            var http = httpClients.CreateClient(HttpClientName);
            var listing = await http.GetFromJsonAsync<DirectoryListingDto>(
                new Uri(nationalUrl, "/api/v1/directory/nodes"), cancellationToken);
            var nodes = listing?.Nodes ?? [];
            if (routes.Update(nationalId, nationalUrl, nodes))
            {
                LogRoutesChanged(logger, routes.Destinations.Count, string.Join(", ", routes.Destinations.Keys));
            }

            if (_failing)
            {
                LogDirectoryBack(logger, nationalUrl);
                _failing = false;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException
                                       || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            if (!_failing)
            {
                LogDirectoryUnreachable(logger, nationalUrl, ex.Message);
                _failing = true;
            }
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Gateway: routes rebuilt for {Count} nodes: {Nodes}")]
    private static partial void LogRoutesChanged(ILogger logger, int count, string nodes);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Gateway: directory at {Url} unreachable ({Reason}); keeping the last routes")]
    private static partial void LogDirectoryUnreachable(ILogger logger, Uri url, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Gateway: directory at {Url} answers again")]
    private static partial void LogDirectoryBack(ILogger logger, Uri url);
}
