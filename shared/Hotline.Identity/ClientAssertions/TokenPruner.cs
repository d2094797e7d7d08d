using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Hotline.Identity.ClientAssertions;

/// <summary>
/// Removes spent rows from the OpenIddict token store: the used client-assertion ids the replay guard records (a few per
/// peer per hour), redeemed or revoked codes and expired tokens. A row is removed only once it is older than
/// <see cref="IdentityModuleOptions.PruneAfter"/>, which must outlive the longest assertion (5 minutes), so a replay
/// within an assertion's lifetime is still refused.
/// </summary>
internal sealed partial class TokenPruner(
    IServiceScopeFactory scopes,
    IOptions<IdentityModuleOptions> options,
    TimeProvider clock,
    ILogger<TokenPruner> logger) : BackgroundService
{
    /// <summary>Prunes once; returns how many rows went.</summary>
    internal async Task<long> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            var removed = await tokens.PruneAsync(clock.GetUtcNow() - options.Value.PruneAfter, cancellationToken).ConfigureAwait(false);
            if (removed > 0)
            {
                LogPruned(logger, removed);
            }

            return removed;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await PruneOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next tick tries again; a failed prune loses nothing.
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(EventId = 230, Level = LogLevel.Information, Message = "Pruned {Count} spent rows from the token store")]
    private static partial void LogPruned(ILogger logger, long count);

    [LoggerMessage(EventId = 231, Level = LogLevel.Warning, Message = "Pruning the token store failed; retrying at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
