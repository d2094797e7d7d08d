using System.Diagnostics;
using System.Globalization;
using Hotline.Telephony;
using Hotline.Telephony.Sip;
using Microsoft.Extensions.Logging;

namespace Hotline.Benchmarks.Telephony;

/// <summary>
/// Runs the SIP engine alone for load tests: <c>sip-engine --udp 127.0.0.1:5090 [--record true|false] [--data DIR]
/// [--extensions N]</c> (extensions 8001…8000+N, password "bench"; default 1).
/// Prints READY, then a stats line every 5 s (active calls, RTP packets and loss, memory, allocated bytes and CPU per call,
/// GC pauses and collections) until stdin closes; with HOTLINE_ALLOC_PROFILE=1 the sampled allocations by type at the end.
/// </summary>
internal static class SipEngineCommand
{
    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    public static async Task RunAsync(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var data = Arg("--data", Path.Combine(Path.GetTempPath(), "hotline-bench-" + Environment.ProcessId));
        var options = new SipOptions
        {
            Udp = Arg("--udp", "127.0.0.1:5090"),
            Tcp = null,
            DataDirectory = data,
            RecordCalls = bool.Parse(Arg("--record", "true")),
            RtpPortPoolSize = int.Parse(Arg("--rtp-pool", "2500"), CultureInfo.InvariantCulture),
            WrapUpSeconds = 0,
            RingTimeoutSeconds = 30,
            Extensions = Enumerable.Range(1, int.Parse(Arg("--extensions", "1"), CultureInfo.InvariantCulture))
                .Select(i => new SipExtension { Extension = (8000 + i).ToString(CultureInfo.InvariantCulture), Password = "bench" })
                .ToList(),
        };
        using var sampler = Environment.GetEnvironmentVariable("HOTLINE_ALLOC_PROFILE") == "1" ? new AllocationSampler() : null;
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        var node = new TelephonyNode(options, loggers);
        var engine = node.Engine;
        await node.StartAsync();
        Console.WriteLine($"READY udp={engine.UdpEndPoint}");
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync();
            await stop.CancelAsync();
        });
        var process = Process.GetCurrentProcess();
        var startedAt = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        long lastCalls = 0, lastAllocated = GC.GetTotalAllocatedBytes(precise: false);
        double lastCpu = Environment.CpuUsage.TotalTime.TotalMilliseconds;
        var allocPrinted = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                try
                {
                    process.Refresh();
                }
                catch (InvalidOperationException)
                {
                    // /proc unreadable for a moment (e.g. out of descriptors): report what the runtime knows
                }
                var calls = node.Calls.ActiveCallList;
                long sent = 0, received = 0, lost = 0, discarded = 0, lostOnAgentLegs = 0;
                foreach (var c in calls)
                {
                    lostOnAgentLegs += c.AgentMedia?.Lost ?? 0; // what the agent side (SIPp's echo) sent and we missed
                    foreach (var m in new[] { c.CallerMedia, c.AgentMedia })
                    {
                        if (m is not null)
                        {
                            sent += m.PacketsSent;
                            received += m.AudioPacketsReceived;
                            lost += m.Lost;
                            discarded += m.Discarded;
                        }
                    }
                }

                var clock = node.Calls.Clock;
                var gc = GC.GetGCMemoryInfo(GCKind.Any);
                var callsStarted = EngineCounters.CallsStarted;
                var allocated = GC.GetTotalAllocatedBytes(precise: false);
                var cpu = Environment.CpuUsage.TotalTime.TotalMilliseconds;
                // Per-call figures over the last interval (load-independent): allocated bytes and CPU per call started.
                var dCalls = callsStarted - lastCalls;
                var allocPerCall = dCalls > 0 ? (allocated - lastAllocated) / dCalls : 0;
                var cpuUsPerCall = dCalls > 0 ? 1000 * (cpu - lastCpu) / dCalls : 0;
                lastCalls = callsStarted;
                lastAllocated = allocated;
                lastCpu = cpu;
                var now = Stopwatch.GetElapsedTime(startedAt);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"STATS t={DateTime.UtcNow:HH:mm:ss} active={calls.Count} cdrs={node.Calls.RecentRecords.Count} rtpSent={sent} rtpReceived={received} rtpLost={lost} rtpLostAgentLegs={lostOnAgentLegs} rtpRecvPasses={Hotline.Telephony.Media.RtpReceiveThreads.Passes} rtpDiscarded={discarded} lateTicks={clock?.LateTicks} skippedTicks={clock?.SkippedTicks} mediaBusyPct={(clock is null ? 0 : 100 * clock.Busy.TotalSeconds / now.TotalSeconds):F1} sipIntakeMs={EngineCounters.SipIntake.TotalMilliseconds:F0}/{EngineCounters.SipMessages} actorMs={EngineCounters.ActorWork.TotalMilliseconds:F0}/{EngineCounters.ActorItems} calls={callsStarted} allocBytesPerCall={allocPerCall} cpuUsPerCall={cpuUsPerCall:F0} allocMB={allocated / 1048576} lastGcHeapMB={gc.HeapSizeBytes / 1048576} lastGcPromotedMB={gc.PromotedBytes / 1048576} lastGcGen={gc.Generation} gcPauseMs={GC.GetTotalPauseDuration().TotalMilliseconds:F0} gc012={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} cpuMs={Environment.CpuUsage.TotalTime.TotalMilliseconds:F0} diskPending={Hotline.Telephony.Media.DiskWriter.Instance.Pending} rtpPorts={node.Calls.Ports?.Opened} workingSetMB={Environment.WorkingSet / 1048576} gcHeapMB={GC.GetTotalMemory(false) / 1048576} received={engine.Received} malformed={engine.Malformed} load={Load()}"));
                if (sampler is not null && dCalls == 0 && !allocPrinted && callsStarted > 0)
                {
                    allocPrinted = true; // once, when the load has stopped
                    foreach (var line in sampler.Top(25))
                    {
                        Console.WriteLine(line);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await node.StopAsync();
    }
}
