namespace Hotline.Municipal.Composition;

/// <summary>
/// The system clock, except inside <see cref="At"/>: there, on that async flow only, "now" is a chosen moment in the
/// past. Lets the demo seeder file last year's cases through the real intake (numbers, deadlines, feed entries dated
/// when they happened) without a back door into the ticketing module. Registered only in demo mode.
/// </summary>
internal sealed class DemoClock : TimeProvider
{
    private static readonly AsyncLocal<TimeSpan?> Offset = new();

    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return Offset.Value is { } offset ? now + offset : now;
    }

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override long TimestampFrequency => System.TimestampFrequency;

    public override long GetTimestamp() => System.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);

    /// <summary>Until disposed, <see cref="GetUtcNow"/> on this async flow answers <paramref name="moment"/> (then moves on from it).</summary>
    public static IDisposable At(DateTimeOffset moment)
    {
        var previous = Offset.Value;
        Offset.Value = moment - System.GetUtcNow();
        return new Restore(previous);
    }

    private sealed class Restore(TimeSpan? previous) : IDisposable
    {
        public void Dispose() => Offset.Value = previous;
    }
}
