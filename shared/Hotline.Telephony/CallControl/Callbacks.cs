using System.Text.Json;

namespace Hotline.Telephony.CallControl;

/// <summary>
/// A call the hotline owes a call-back (回拨): a caller who hung up while waiting (<c>abandoned</c>, 放弃呼叫) or who
/// pressed the key at the queue's overflow offer (<c>requested</c>). The number to call is the caller id.
/// </summary>
internal sealed record CallbackRequest(
    string Id,
    string CallId,
    string Caller,
    string? Queue,
    string Reason,
    DateTimeOffset At,
    int WaitedSeconds,
    string State = CallbackRequest.Open,
    string? HandledBy = null,
    DateTimeOffset? HandledAt = null)
{
    public const string Open = "open";
    public const string Done = "done";
    public const string Abandoned = "abandoned";
    public const string Requested = "requested";
}

/// <summary>
/// The call-back list agents work through from CTI. Kept in memory and appended to <c>callbacks.jsonl</c> in the data
/// folder (each change one line, replayed at start), so open requests survive a restart.
/// </summary>
internal sealed class CallbackList
{
    private const int Keep = 10_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CallbackRequest> _byId = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly string? _file;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public CallbackList(string? file)
    {
        _file = file;
        if (file is null || !File.Exists(file))
        {
            return;
        }

        foreach (var line in File.ReadLines(file))
        {
            try
            {
                if (JsonSerializer.Deserialize<CallbackRequest>(line, Json) is { } r)
                {
                    Store(r);
                }
            }
            catch (JsonException)
            {
                // a torn last line after a crash: skip it
            }
        }
    }

    /// <summary>Raised after a request is added or changes.</summary>
    public event Action<CallbackRequest>? Changed;

    public CallbackRequest Add(string callId, string caller, string? queue, string reason, DateTimeOffset at, TimeSpan waited)
    {
        var r = new CallbackRequest(Guid.NewGuid().ToString("N")[..12], callId, caller, queue, reason, at, (int)Math.Max(0, waited.TotalSeconds));
        Save(r);
        return r;
    }

    /// <summary>Marks a request done; null when there is no such request.</summary>
    public CallbackRequest? Complete(string id, string by, DateTimeOffset at)
    {
        CallbackRequest done;
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var r))
            {
                return null;
            }

            if (r.State == CallbackRequest.Done)
            {
                return r;
            }

            done = r with { State = CallbackRequest.Done, HandledBy = by, HandledAt = at };
        }

        Save(done);
        return done;
    }

    /// <summary>Newest first; only open ones unless <paramref name="all"/>.</summary>
    public IReadOnlyList<CallbackRequest> List(bool all = false)
    {
        lock (_gate)
        {
            return Enumerable.Range(0, _order.Count).Select(i => _byId[_order[_order.Count - 1 - i]])
                .Where(r => all || r.State == CallbackRequest.Open).ToList();
        }
    }

    private void Store(CallbackRequest r)
    {
        if (!_byId.ContainsKey(r.Id))
        {
            _order.Add(r.Id);
        }

        _byId[r.Id] = r;
        while (_order.Count > Keep)
        {
            _byId.Remove(_order[0]);
            _order.RemoveAt(0);
        }
    }

    private void Save(CallbackRequest r)
    {
        lock (_gate)
        {
            Store(r);
            if (_file is not null)
            {
                // Rare (abandoned and requested calls only), small, and must survive a crash: append now.
                File.AppendAllText(_file, JsonSerializer.Serialize(r, Json) + "\n");
            }
        }

        Changed?.Invoke(r);
    }
}
