using System.Diagnostics;

namespace Hotline.Telephony;

/// <summary>
/// Process-wide time spent per stage of the engine (Stopwatch ticks), for profiling under load: SIP intake (parse,
/// transaction layer, routing) on the receive threads, and call actor work (B2BUA, IVR, ACD) on the thread pool.
/// The media clock keeps its own busy time. Two timestamps per message or work item; no locks.
/// </summary>
internal static class EngineCounters
{
    private static long _sipTicks;
    private static long _sipMessages;
    private static long _actorTicks;
    private static long _actorItems;
    private static long _callsStarted;

    public static TimeSpan SipIntake => Elapsed(Interlocked.Read(ref _sipTicks));

    public static long SipMessages => Interlocked.Read(ref _sipMessages);

    public static TimeSpan ActorWork => Elapsed(Interlocked.Read(ref _actorTicks));

    public static long ActorItems => Interlocked.Read(ref _actorItems);

    /// <summary>Calls accepted by the call center (INVITEs that became a <c>Call</c>), for per-call figures.</summary>
    public static long CallsStarted => Interlocked.Read(ref _callsStarted);

    public static void CallStarted() => Interlocked.Increment(ref _callsStarted);

    public static void AddSip(long startTimestamp)
    {
        Interlocked.Add(ref _sipTicks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Increment(ref _sipMessages);
    }

    public static void AddActor(long startTimestamp)
    {
        Interlocked.Add(ref _actorTicks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Increment(ref _actorItems);
    }

    private static TimeSpan Elapsed(long ticks) => TimeSpan.FromSeconds(ticks / (double)Stopwatch.Frequency);
}
