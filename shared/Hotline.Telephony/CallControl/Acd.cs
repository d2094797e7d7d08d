namespace Hotline.Telephony.CallControl;

/// <summary>An agent (坐席) as the ACD sees it.</summary>
internal sealed class Agent
{
    public Agent(string extension, IReadOnlyCollection<string> skills, int order, DateTimeOffset now)
    {
        Extension = extension;
        Skills = skills;
        Order = order;
        StateSince = now;
        IdleSince = now;
    }

    public string Extension { get; }

    public IReadOnlyCollection<string> Skills { get; }

    /// <summary>Position in configuration, for linear hunting.</summary>
    public int Order { get; }

    public AgentState State { get; set; } = AgentState.LoggedOut;

    public string? Reason { get; set; }

    public DateTimeOffset StateSince { get; set; }

    public DateTimeOffset IdleSince { get; set; }

    public int CallsAnswered { get; set; }

    public TimeSpan TalkTime { get; set; }

    public bool Serves(string queue) => Skills.Count == 0 || Skills.Contains(queue);
}

/// <summary>A waiting call as the ACD sees it.</summary>
internal sealed record QueuedCall(string CallId, string Queue, int Priority, DateTimeOffset Since);

/// <summary>Live counters of one queue.</summary>
internal sealed class QueueStats
{
    public int Answered;
    public int AnsweredWithin15s;
    public int Abandoned;
    public int Overflowed;

    /// <summary>Seconds of waiting per queue position of recently answered calls (newest last), for wait estimates.</summary>
    public readonly Queue<double> RecentSecondsPerPosition = new();
}

/// <summary>
/// Automatic call distribution (自动话务分配): per-queue waiting lists ordered by priority then arrival, agent states, and
/// the six distribution strategies. Pure logic over a <see cref="TimeProvider"/>; the call center acts on its decisions.
/// </summary>
internal sealed class Acd
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Agent> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueueOptions> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<QueuedCall>> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueueStats> _stats = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _roundRobin = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public Acd(IEnumerable<QueueOptions> queues, IEnumerable<SipExtension> agents, TimeProvider time)
    {
        _time = time;
        foreach (var q in queues)
        {
            _queues[q.Name] = q;
            _waiting[q.Name] = [];
            _stats[q.Name] = new QueueStats();
        }

        var i = 0;
        foreach (var a in agents)
        {
            _agents[a.Extension] = new Agent(a.Extension, a.Skills, i++, time.GetUtcNow());
        }
    }

    public IReadOnlyCollection<string> QueueNames => _queues.Keys;

    public QueueOptions? Queue(string name) => _queues.GetValueOrDefault(name);

    public QueueOptions? QueueForDigit(string digit) => _queues.Values.FirstOrDefault(q => q.Digit == digit);

    public bool IsAgent(string extension) => _agents.ContainsKey(extension);

    public AgentState? StateOf(string extension)
    {
        lock (_gate)
        {
            return _agents.TryGetValue(extension, out var a) ? a.State : null;
        }
    }

    /// <summary>Changes an agent's state; returns false for an unknown agent or a state the agent cannot enter now.</summary>
    public bool SetState(string extension, AgentState state, string? reason = null)
    {
        lock (_gate)
        {
            if (!_agents.TryGetValue(extension, out var a))
            {
                return false;
            }

            if (a.State == state && a.Reason == reason)
            {
                return true;
            }

            if (state == AgentState.Ready && a.State is AgentState.Ringing or AgentState.Talking && reason != "force")
            {
                return false;
            }

            var now = _time.GetUtcNow();
            if (state == AgentState.Ready)
            {
                a.IdleSince = now;
            }

            a.State = state;
            a.Reason = state == AgentState.NotReady ? reason : null;
            a.StateSince = now;
            return true;
        }
    }

    public void Enqueue(QueuedCall call)
    {
        lock (_gate)
        {
            var list = _waiting[call.Queue];
            var i = list.FindIndex(c => c.Priority < call.Priority);
            list.Insert(i < 0 ? list.Count : i, call);
        }
    }

    /// <summary>Removes a waiting call; returns its 1-based position before removal, or 0 if it was not waiting.</summary>
    public int Remove(string callId, string queue)
    {
        lock (_gate)
        {
            var list = _waiting[queue];
            var i = list.FindIndex(c => c.CallId == callId);
            if (i >= 0)
            {
                list.RemoveAt(i);
            }

            return i + 1;
        }
    }

    /// <summary>Callers ahead of this one (0 when it is first).</summary>
    public int Ahead(string callId, string queue)
    {
        lock (_gate)
        {
            var i = _waiting[queue].FindIndex(c => c.CallId == callId);
            return Math.Max(0, i);
        }
    }

    /// <summary>
    /// Matches waiting calls with ready agents. Each match takes the call off the queue and puts its agents in Ringing.
    /// Ring-all queues return every ready agent serving the queue for one call.
    /// </summary>
    public List<(QueuedCall Call, List<string> Agents)> Dispatch()
    {
        var result = new List<(QueuedCall, List<string>)>();
        lock (_gate)
        {
            foreach (var q in _queues.Values.OrderByDescending(q => q.Priority))
            {
                var list = _waiting[q.Name];
                while (list.Count > 0)
                {
                    var ready = _agents.Values.Where(a => a.State == AgentState.Ready && a.Serves(q.Name)).ToList();
                    if (ready.Count == 0)
                    {
                        break;
                    }

                    var chosen = q.Strategy == DistributionStrategy.RingAll ? ready : [Pick(q, ready)];
                    var call = list[0];
                    list.RemoveAt(0);
                    foreach (var a in chosen)
                    {
                        a.State = AgentState.Ringing;
                        a.StateSince = _time.GetUtcNow();
                    }

                    result.Add((call, chosen.Select(a => a.Extension).ToList()));
                }
            }
        }

        return result;
    }

    private Agent Pick(QueueOptions q, List<Agent> ready)
    {
        switch (q.Strategy)
        {
            case DistributionStrategy.RoundRobin:
                var ordered = _agents.Values.Where(a => a.Serves(q.Name)).OrderBy(a => a.Order).ToList();
                var last = _roundRobin.GetValueOrDefault(q.Name, -1);
                var next = ordered.Where(a => a.Order > last && a.State == AgentState.Ready).Concat(ready.OrderBy(a => a.Order)).First();
                _roundRobin[q.Name] = next.Order;
                return next;
            case DistributionStrategy.FewestCalls:
                return ready.OrderBy(a => a.CallsAnswered).ThenBy(a => a.IdleSince).First();
            case DistributionStrategy.Linear:
                return ready.OrderBy(a => a.Order).First();
            case DistributionStrategy.LeastTalkTime:
                return ready.OrderBy(a => a.TalkTime).ThenBy(a => a.IdleSince).First();
            default:
                return ready.OrderBy(a => a.IdleSince).ThenBy(a => a.Order).First();
        }
    }

    /// <summary>How many recent answers the wait estimate averages over.</summary>
    public const int EstimateWindow = 20;

    /// <summary>
    /// Estimated wait (预计等待时间) for a caller at <paramref name="position"/> (1 = next): the average wait per queue
    /// position of the last <see cref="EstimateWindow"/> answered calls of this queue, times the position; null while
    /// the queue has no answered calls to go by.
    /// </summary>
    public TimeSpan? EstimatedWait(string queue, int position)
    {
        lock (_gate)
        {
            if (!_stats.TryGetValue(queue, out var s) || s.RecentSecondsPerPosition.Count == 0)
            {
                return null;
            }

            return TimeSpan.FromSeconds(s.RecentSecondsPerPosition.Average() * Math.Max(1, position));
        }
    }

    /// <summary>An agent answered: talking, with counters and service level.</summary>
    public void Answered(string extension, string queue, TimeSpan waited, int positionWhenQueued = 1)
    {
        lock (_gate)
        {
            if (_stats.TryGetValue(queue, out var st))
            {
                st.RecentSecondsPerPosition.Enqueue(Math.Max(0, waited.TotalSeconds) / Math.Max(1, positionWhenQueued));
                while (st.RecentSecondsPerPosition.Count > EstimateWindow)
                {
                    st.RecentSecondsPerPosition.Dequeue();
                }
            }
        }

        lock (_gate)
        {
            if (_agents.TryGetValue(extension, out var a))
            {
                a.State = AgentState.Talking;
                a.StateSince = _time.GetUtcNow();
                a.CallsAnswered++;
            }

            if (_stats.TryGetValue(queue, out var s))
            {
                s.Answered++;
                if (waited <= TimeSpan.FromSeconds(15))
                {
                    s.AnsweredWithin15s++;
                }
            }
        }
    }

    /// <summary>A ringing agent did not answer: back to ready, or not ready when <paramref name="noAnswer"/> (auto-not-ready).</summary>
    public void OfferFailed(string extension, bool noAnswer)
    {
        lock (_gate)
        {
            if (_agents.TryGetValue(extension, out var a) && a.State == AgentState.Ringing)
            {
                a.State = noAnswer ? AgentState.NotReady : AgentState.Ready;
                a.Reason = noAnswer ? "noAnswer" : null;
                a.StateSince = _time.GetUtcNow();
            }
        }
    }

    /// <summary>A call ended: the agent enters wrap-up with its talk time added.</summary>
    public void CallEnded(string extension, TimeSpan talk, bool wrapUp)
    {
        lock (_gate)
        {
            if (_agents.TryGetValue(extension, out var a) && a.State is AgentState.Talking or AgentState.Ringing)
            {
                a.TalkTime += talk;
                a.State = wrapUp ? AgentState.WrapUp : AgentState.Ready;
                a.StateSince = _time.GetUtcNow();
                a.IdleSince = a.StateSince;
            }
        }
    }

    public void Abandoned(string queue)
    {
        lock (_gate)
        {
            if (_stats.TryGetValue(queue, out var s))
            {
                s.Abandoned++;
            }
        }
    }

    public void Overflowed(string queue)
    {
        lock (_gate)
        {
            if (_stats.TryGetValue(queue, out var s))
            {
                s.Overflowed++;
            }
        }
    }

    public List<AgentSnapshot> Agents(Func<string, bool> registered)
    {
        lock (_gate)
        {
            return _agents.Values.OrderBy(a => a.Order)
                .Select(a => new AgentSnapshot(a.Extension, a.State, a.Reason, registered(a.Extension), a.CallsAnswered, a.TalkTime.TotalSeconds, a.StateSince))
                .ToList();
        }
    }

    public List<QueueSnapshot> Queues()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return _queues.Values.Select(q =>
            {
                var w = _waiting[q.Name];
                var s = _stats[q.Name];
                var longest = w.Count == 0 ? 0 : (int)(now - w.Min(c => c.Since)).TotalSeconds;
                return new QueueSnapshot(q.Name, w.Count, longest, s.Answered, s.AnsweredWithin15s, s.Abandoned, s.Overflowed);
            }).ToList();
        }
    }
}
