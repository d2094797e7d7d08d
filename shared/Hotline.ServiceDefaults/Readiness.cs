using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotline.ServiceDefaults;

/// <summary>
/// Work a node must finish before it takes requests: create or migrate a module's database, seed it. Tasks run one
/// after another in registration order before the server listens; a failing task stops start-up.
/// </summary>
public interface IStartupTask
{
    /// <summary>A short name for logs, e.g. "identity: migrate and seed".</summary>
    string Name { get; }

    /// <summary>Runs the task. Must be idempotent: it runs on every start.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>Health-check tags understood by <c>MapDefaultEndpoints</c>.</summary>
public static class HealthTags
{
    /// <summary>Checks that must pass for <c>/health/live</c> (the process is running).</summary>
    public const string Live = "live";

    /// <summary>Checks that must pass for <c>/health/ready</c> (the node takes work).</summary>
    public const string Ready = "ready";
}

/// <summary>Registration of <see cref="IStartupTask"/>s.</summary>
public static class StartupTaskExtensions
{
    /// <summary>Adds a task that runs before the node listens; <c>/health/ready</c> stays 503 until all have run.</summary>
    public static IServiceCollection AddStartupTask<TTask>(this IServiceCollection services)
        where TTask : class, IStartupTask
    {
        services.AddSingleton<IStartupTask, TTask>();
        return services;
    }
}

/// <summary>Tracks whether every start-up task has finished and the host has started.</summary>
public sealed class NodeReadiness
{
    private volatile bool _tasksDone;

    /// <summary>True once the start-up tasks have run.</summary>
    public bool StartupTasksCompleted => _tasksDone;

    internal void MarkTasksCompleted() => _tasksDone = true;
}

internal sealed partial class StartupTaskRunner(
    IServiceProvider services,
    NodeReadiness readiness,
    ILogger<StartupTaskRunner> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in services.GetServices<IStartupTask>())
        {
            var started = TimeProvider.System.GetTimestamp();
            LogTaskStarting(logger, task.Name);
            await task.RunAsync(cancellationToken).ConfigureAwait(false);
            LogTaskCompleted(logger, task.Name, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }

        readiness.MarkTasksCompleted();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Start-up task {Task} running")]
    private static partial void LogTaskStarting(ILogger logger, string task);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Start-up task {Task} done in {ElapsedMs:F0} ms")]
    private static partial void LogTaskCompleted(ILogger logger, string task, double elapsedMs);
}

internal sealed class ReadinessHealthCheck(NodeReadiness readiness, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.StartupTasksCompleted)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Start-up tasks (migrations, seeding) are still running."));
        }

        return Task.FromResult(lifetime.ApplicationStarted.IsCancellationRequested
            ? HealthCheckResult.Healthy("Node takes work.")
            : HealthCheckResult.Unhealthy("Host has not finished starting."));
    }
}
