using System.Diagnostics;
using System.Globalization;
using Hotline.Launcher.Planning;

namespace Hotline.Launcher.Running;

/// <summary>
/// Starts the processes in waves (the national node first, so every parent IdP is about to answer; then provinces,
/// cities and the gateway in parallel — each tolerates a parent that is still starting), waits for each
/// <c>/health/ready</c>, reports a child that dies (exit code and last log lines — nothing is restarted silently), and on
/// stop sends SIGTERM to every child, waits, and kills what is left.
/// </summary>
internal sealed class Supervisor(LaunchOptions options, HostCompiler compiler) : IDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    private readonly List<ChildProcess> _children = [];
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<ChildProcess> _firstDeath = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private volatile bool _stopping;

    /// <summary>Starts <paramref name="toStart"/>; returns once they are all ready (true) or one failed (false).</summary>
    public async Task<bool> StartAsync(IReadOnlyList<ProcessPlan> toStart, CancellationToken stop)
    {
        var total = Stopwatch.StartNew();
        foreach (var wave in toStart.GroupBy(p => p.Wave).OrderBy(g => g.Key))
        {
            var started = wave.Select(StartChild).ToList();
            var ready = Task.WhenAll(started.Select(c => WaitReadyAsync(c, total, stop)));
            var first = await Task.WhenAny(ready, _firstDeath.Task);
            if (first != ready)
            {
                await Console.Error.WriteLineAsync("[launcher] a process died while the federation was starting; stopping the others.");
                return false;
            }

            if (!(await ready).All(ok => ok))
            {
                return false;
            }
        }

        var gateway = toStart.FirstOrDefault(p => p.TierName == "gateway");
        if (gateway is not null && !await WaitForGatewayRoutesAsync(gateway, toStart.Where(p => p != gateway), stop))
        {
            return false;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[launcher] {toStart.Count} processes ready in {total.Elapsed.TotalSeconds:F1} s."));
        return true;
    }

    /// <summary>
    /// Waits until the gateway routes every started node (<c>/{id}/health/ready</c> through it answers 200): the
    /// gateway learns nodes from the national directory, which learns them from heartbeats, a few seconds after each
    /// node is ready. Only then is the federation usable through the gateway, and only then is federation.json written.
    /// </summary>
    public async Task<bool> WaitForGatewayRoutesAsync(ProcessPlan gateway, IEnumerable<ProcessPlan> nodes, CancellationToken stop)
    {
        var watch = Stopwatch.StartNew();
        var pending = nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        while (watch.Elapsed < options.ReadyTimeout)
        {
            foreach (var id in pending.ToList())
            {
                try
                {
                    using var response = await _http.GetAsync(new Uri(gateway.Http, $"/{id}/health/ready"), stop);
                    if (response.IsSuccessStatusCode)
                    {
                        pending.Remove(id);
                    }
                }
                catch (HttpRequestException)
                {
                    // The gateway is restarting its routes or the node is busy; ask again.
                }
                catch (TaskCanceledException) when (!stop.IsCancellationRequested)
                {
                    // Slow answer; ask again.
                }
            }

            if (pending.Count == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[launcher] the gateway routes every node (after {watch.Elapsed.TotalSeconds:F1} s)."));
                return true;
            }

            if (_firstDeath.Task.IsCompleted)
            {
                return false;
            }

            await Task.Delay(250, stop);
        }

        await Console.Error.WriteLineAsync(
            $"[launcher] the gateway did not route {string.Join(", ", pending)} within {options.ReadyTimeout.TotalSeconds} s; see {Path.Combine(options.DataDirectory, "logs")}.");
        return false;
    }

    /// <summary>Stops every child: SIGTERM, a grace period, then SIGKILL. Returns once all have exited.</summary>
    public async Task StopAllAsync()
    {
        _stopping = true;
        List<ChildProcess> children;
        lock (_lock)
        {
            children = [.. _children];
        }

        if (children.Count == 0)
        {
            return;
        }

        Console.WriteLine($"[launcher] stopping {children.Count(c => !c.HasExited)} processes…");
        foreach (var child in children.OrderByDescending(c => c.Plan.Wave))
        {
            child.Terminate();
        }

        using var grace = new CancellationTokenSource(StopGrace);
        try
        {
            await Task.WhenAll(children.Select(c => c.WaitForExitAsync(grace.Token)));
        }
        catch (OperationCanceledException)
        {
            foreach (var child in children.Where(c => !c.HasExited))
            {
                Console.WriteLine($"[launcher] {child.Plan.Id} did not stop within {StopGrace.TotalSeconds} s; killing it.");
                child.Kill();
            }

            await Task.WhenAll(children.Select(c => c.WaitForExitAsync(CancellationToken.None)));
        }

        Console.WriteLine("[launcher] all processes stopped.");
    }

    /// <summary>Completes when a child exits without being asked to.</summary>
    public Task<ChildProcess> UnexpectedExit => _firstDeath.Task;

    public IReadOnlyList<ChildProcess> Children
    {
        get
        {
            lock (_lock)
            {
                return [.. _children];
            }
        }
    }

    private ChildProcess StartChild(ProcessPlan plan)
    {
        var child = ChildProcess.Start(plan, compiler.AssemblyOf(plan.Project), Path.Combine(options.DataDirectory, "logs"));
        child.Exited += (_, _) => OnExited(child);
        lock (_lock)
        {
            _children.Add(child);
        }

        Console.WriteLine($"[launcher] started {plan.Id} {plan.Name} (pid {child.Pid}) on {FederationFile.Url(plan.Http)}");
        if (child.HasExited)
        {
            OnExited(child);
        }

        return child;
    }

    private void OnExited(ChildProcess child)
    {
        if (_stopping)
        {
            return;
        }

        var report = new List<string>
        {
            $"[launcher] {child.Plan.Id} {child.Plan.Name} (pid {child.Pid}) exited with code {SafeExitCode(child)}; it is not restarted. Last lines of {child.LogFile}:",
        };
        report.AddRange(child.LastLogLines(20).Select(l => "    " + l));
        Console.Error.WriteLine(string.Join(Environment.NewLine, report));
        _firstDeath.TrySetResult(child);
    }

    private static string SafeExitCode(ChildProcess child)
    {
        try
        {
            return child.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private async Task<bool> WaitReadyAsync(ChildProcess child, Stopwatch total, CancellationToken stop)
    {
        var started = Stopwatch.StartNew();
        var url = new Uri(child.Plan.Http, "/health/ready");
        while (started.Elapsed < options.ReadyTimeout)
        {
            if (child.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await _http.GetAsync(url, stop);
                if (response.IsSuccessStatusCode)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[launcher] {child.Plan.Id} {child.Plan.Name} ready after {started.Elapsed.TotalSeconds:F1} s (t+{total.Elapsed.TotalSeconds:F1} s)"));
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!stop.IsCancellationRequested)
            {
                // A slow answer while the node warms up.
            }

            await Task.Delay(250, stop);
        }

        await Console.Error.WriteLineAsync(
            $"[launcher] {child.Plan.Id} {child.Plan.Name} was not ready within {options.ReadyTimeout.TotalSeconds} s ({url}). Last lines of {child.LogFile}:"
            + Environment.NewLine + string.Join(Environment.NewLine, child.LastLogLines(20).Select(l => "    " + l)));
        return false;
    }

    public void Dispose()
    {
        _http.Dispose();
        foreach (var child in Children)
        {
            child.Dispose();
        }
    }
}
