using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Hotline.Benchmarks.Telephony;

/// <summary>
/// In-process allocation profile without dotnet-trace: listens to the runtime's GC AllocationTick events (one per
/// ≈ 100 KB allocated, naming the type that crossed the threshold) and sums the sampled bytes per type. Sampling, so
/// the shares are estimates; enough to see which types dominate the allocation rate.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private const int AllocationTickEventId = 10;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventId != AllocationTickEventId || eventData.PayloadNames is null || eventData.Payload is null)
        {
            return;
        }

        var type = eventData.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        var amount = amountIndex >= 0 && eventData.Payload[amountIndex] is ulong a ? (long)a : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    /// <summary>The top types by sampled bytes, one line each: share, sampled MB, type.</summary>
    public IEnumerable<string> Top(int count)
    {
        var total = Math.Max(1, _bytes.Values.Sum());
        return _bytes.OrderByDescending(kv => kv.Value).Take(count)
            .Select(kv => FormattableString.Invariant($"ALLOC {100.0 * kv.Value / total,5:F1}% {kv.Value / 1048576.0,8:F1} MB {kv.Key}"));
    }
}
