namespace Hotline.Telephony.Sip.Transactions;

/// <summary>
/// A hashed timer wheel: O(1) schedule and cancel for the many short SIP timers (A–K) of many calls, driven by one
/// periodic tick from a <see cref="TimeProvider"/> (a fake clock in tests). Callbacks run outside the wheel's lock.
/// </summary>
internal sealed class TimerWheel : IDisposable
{
    private readonly TimeProvider _time;
    private readonly long _tickTicks;
    private readonly List<Entry>[] _slots;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private long _currentTick;
    private readonly long _origin;

    public TimerWheel(TimeProvider time, TimeSpan? tick = null, int slots = 512)
    {
        _time = time;
        _tickTicks = (tick ?? TimeSpan.FromMilliseconds(10)).Ticks;
        _slots = new List<Entry>[slots];
        for (var i = 0; i < slots; i++)
        {
            _slots[i] = [];
        }

        _origin = _time.GetUtcNow().UtcTicks;
        _timer = _time.CreateTimer(_ => Advance(), null, TimeSpan.FromTicks(_tickTicks), TimeSpan.FromTicks(_tickTicks));
    }

    public TimeProvider Time => _time;

    /// <summary>Runs <paramref name="callback"/> once after <paramref name="delay"/>, unless the returned handle is cancelled.</summary>
    public TimerHandle Schedule(TimeSpan delay, Action callback) => Schedule(delay, InvokeAction, callback);

    /// <summary>
    /// Runs <paramref name="callback"/> with <paramref name="state"/> once after <paramref name="delay"/>; with a static
    /// callback no closure is allocated per timer.
    /// </summary>
    public TimerHandle Schedule(TimeSpan delay, Action<object> callback, object state)
    {
        var entry = new Entry(callback, state);
        lock (_gate)
        {
            var ticks = Math.Max(1, (delay.Ticks + _tickTicks - 1) / _tickTicks);
            entry.Deadline = _currentTick + ticks;
            _slots[entry.Deadline % _slots.Length].Add(entry);
        }

        return new TimerHandle(entry);
    }

    private void Advance()
    {
        var target = (_time.GetUtcNow().UtcTicks - _origin) / _tickTicks;
        List<Entry>? due = null;
        lock (_gate)
        {
            while (_currentTick < target)
            {
                _currentTick++;
                var slot = _slots[_currentTick % _slots.Length];
                for (var i = slot.Count - 1; i >= 0; i--)
                {
                    var e = slot[i];
                    if (e.Cancelled)
                    {
                        slot.RemoveAt(i);
                    }
                    else if (e.Deadline <= _currentTick)
                    {
                        slot.RemoveAt(i);
                        (due ??= []).Add(e);
                    }
                }
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (var e in due)
        {
            var callback = e.Callback;
            var state = e.State;
            if (!e.Cancelled && callback is not null && state is not null)
            {
                try
                {
                    callback(state);
                }
#pragma warning disable CA1031 // a failing timer callback must not stop the wheel
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private static readonly Action<object> InvokeAction = state => ((Action)state)();

    /// <summary>
    /// A scheduled timer. Cancelling drops the callback and its state at once: a cancelled entry waits in its slot until
    /// the wheel passes it (up to one revolution), and must not keep a finished call's objects reachable meanwhile.
    /// </summary>
    internal sealed class Entry(Action<object> callback, object state)
    {
        public Action<object>? Callback { get; private set; } = callback;
        public object? State { get; private set; } = state;
        public long Deadline { get; set; }
        public volatile bool Cancelled;

        public void Cancel()
        {
            Cancelled = true;
            Callback = null;
            State = null;
        }
    }
}

/// <summary>Cancels a scheduled timer.</summary>
internal readonly struct TimerHandle
{
    private readonly TimerWheel.Entry? _entry;

    internal TimerHandle(TimerWheel.Entry entry) => _entry = entry;

    public void Cancel()
    {
        _entry?.Cancel();
    }
}
