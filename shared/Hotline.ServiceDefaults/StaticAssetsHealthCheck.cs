using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Hotline.ServiceDefaults;

/// <summary>
/// Keeps <c>/health/ready</c> at 503 while a file named by the host's static-asset manifest
/// (<c>&lt;App&gt;.staticwebassets.endpoints.json</c>, which <c>MapStaticAssets</c> maps route by route) is missing from the web
/// root. <c>MapStaticAssets</c> answers such a route with an empty 200, so a node started from a plain build output in
/// Production would serve every page without its stylesheets and scripts; this check makes that a start-up failure
/// anyone sees. A host without the manifest (the gateway) has nothing to check.
/// </summary>
internal sealed partial class StaticAssetsHealthCheck(IWebHostEnvironment environment, ILogger<StaticAssetsHealthCheck> logger) : IHealthCheck
{
    private HealthCheckResult? _verdict;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // The files of a running node do not come and go: one verdict per process.
        _verdict ??= Check();
        return Task.FromResult(_verdict.Value);
    }

    private HealthCheckResult Check()
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, environment.ApplicationName + ".staticwebassets.endpoints.json");
        if (!File.Exists(manifest))
        {
            return HealthCheckResult.Healthy("No static-asset manifest.");
        }

        var missing = MissingAssets(manifest).ToList();
        if (missing.Count == 0)
        {
            return HealthCheckResult.Healthy("Every static asset is in the web root.");
        }

        LogAssetsMissing(logger, missing.Count, environment.WebRootPath ?? "(none)", string.Join(", ", missing.Take(5)));
        return HealthCheckResult.Unhealthy(
            $"{missing.Count} static assets are missing from the web root '{environment.WebRootPath}' (first: {missing[0]}). " +
            "Run the node from its publish folder (dotnet publish), where wwwroot holds them.");
    }

    private IEnumerable<string> MissingAssets(string manifest)
    {
        using var stream = File.OpenRead(manifest);
        using var document = JsonDocument.Parse(stream);
        if (!document.RootElement.TryGetProperty("Endpoints", out var endpoints) || endpoints.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.EnumerateArray())
        {
            if (endpoint.TryGetProperty("AssetFile", out var file) && file.GetString() is { Length: > 0 } path && seen.Add(path)
                && !environment.WebRootFileProvider.GetFileInfo(path).Exists)
            {
                yield return path;
            }
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Error,
        Message = "{Count} static assets are missing from the web root {WebRoot} (first: {Missing}); the node stays not ready")]
    private static partial void LogAssetsMissing(ILogger logger, int count, string webRoot, string missing);
}
