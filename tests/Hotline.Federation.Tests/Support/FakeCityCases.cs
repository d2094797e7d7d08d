using System.Collections.Concurrent;
using Hotline.Federation.CityCases;
using Hotline.Federation.Contracts;
using Hotline.SharedKernel;

namespace Hotline.Federation.Tests.Support;

/// <summary>
/// In-memory stand-in for the city's ticketing module (test project only): idempotent intake by origin reference,
/// an ordered feed, feedback and reminders recorded per case.
/// </summary>
internal sealed class FakeCityCases(string node) : ICityCases, ICityFeedSignal
{
    private readonly WakeSignal _committed = new();
    private readonly object _gate = new();
    private readonly List<CityFeedEntry> _feed = [];
    private readonly Dictionary<string, FakeCase> _cases = new(StringComparer.Ordinal);
    private int _sequence;

    public ConcurrentBag<IncomingFeedback> Feedback { get; } = [];
    public ConcurrentBag<IncomingFeedback> Reminders { get; } = [];
    public int AcceptCalls;

    public IReadOnlyList<FakeCase> Cases
    {
        get
        {
            lock (_gate)
            {
                return _cases.Values.ToList();
            }
        }
    }

    public FakeCase? ByOrigin(string originCaseNumber)
    {
        lock (_gate)
        {
            return _cases.Values.FirstOrDefault(c => c.Origin?.OriginCaseNumber == originCaseNumber);
        }
    }

    /// <summary>A citizen's case accepted at this city (phone, web…): goes into the feed as "created".</summary>
    public string CreateLocal(string type = "complaint", string title = "出租车绕路", string phone = "13812345678", DateTimeOffset? deadline = null,
        string? name = null, string? location = null, string? description = null)
    {
        lock (_gate)
        {
            var number = $"{node}-20261125-{++_sequence:D6}";
            var c = new FakeCase(number, type, title, Masking.Phone(phone), "accepted", deadline ?? DateTimeOffset.UtcNow.AddDays(13), null)
            {
                Phone = phone, Name = name, Location = location, Description = description ?? title,
            };
            _cases[number] = c;
            Append(c, CityFeedEvent.Created, null, null);
            return number;
        }
    }

    /// <summary>The city changes a case's status (e.g. closed with a result, returned with a reason).</summary>
    public void ChangeStatus(string caseNumber, string status, string? comment = null)
    {
        lock (_gate)
        {
            var c = _cases[caseNumber];
            c.Status = status;
            Append(c, CityFeedEvent.StatusChanged, comment, null);
        }
    }

    /// <summary>
    /// 转办 out: the case goes to another city with its full content, as the ticketing module's transfer package
    /// gives it (description, caller, location), unless the test overrides description and phone.
    /// </summary>
    public void TransferOut(string caseNumber, string targetNode, string reason, string? description = null, string? phone = null)
    {
        lock (_gate)
        {
            var c = _cases[caseNumber];
            c.Status = "transferredOut";
            Append(c, CityFeedEvent.TransferredOut, reason, new CityTransfer(targetNode, reason, description ?? c.Description ?? c.Title, phone ?? c.Phone, c.Name, null)
            {
                Location = c.Location,
                AcceptedAt = DateTimeOffset.UtcNow,
            });
        }
    }

    public Task<Result<AcceptedIncomingCase>> AcceptAsync(IncomingCase incoming, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref AcceptCalls);
        lock (_gate)
        {
            var existing = _cases.Values.FirstOrDefault(c =>
                c.Origin is { } o && o.OriginNode == incoming.OriginNode && o.OriginCaseNumber == incoming.OriginCaseNumber);
            if (existing is not null)
            {
                return Task.FromResult<Result<AcceptedIncomingCase>>(new AcceptedIncomingCase(existing.CaseNumber, true));
            }

            var number = $"{node}-20261125-{++_sequence:D6}";
            var origin = new CaseOrigin(incoming.OriginNode, incoming.OriginCaseNumber, incoming.CorrelationId, incoming.Channel);
            var c = new FakeCase(number, incoming.Type, incoming.Description, Masking.Phone(incoming.Phone), "accepted", incoming.Deadline, origin)
            {
                Phone = incoming.Phone,
                Name = incoming.Name,
                Location = incoming.Location,
                Description = incoming.Description,
            };
            _cases[number] = c;
            Append(c, CityFeedEvent.Created, null, null);
            return Task.FromResult<Result<AcceptedIncomingCase>>(new AcceptedIncomingCase(number, false));
        }
    }

    public Task<Result<Unit>> RecordFeedbackAsync(IncomingFeedback feedback, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_cases.TryGetValue(feedback.CaseNumber, out var c))
            {
                return Task.FromResult<Result<Unit>>(Error.NotFound("case.not_found", feedback.CaseNumber));
            }

            if (!Feedback.Any(f => f.FeedbackId == feedback.FeedbackId))
            {
                Feedback.Add(feedback);
                if (feedback.Kind == "resolved")
                {
                    c.Status = "closed";
                    c.Result = feedback.Text;
                }
            }

            return Task.FromResult(Result.Ok());
        }
    }

    public Task<Result<Unit>> RecordReminderAsync(IncomingFeedback reminder, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var c = _cases.Values.FirstOrDefault(x => x.Origin?.OriginCaseNumber == reminder.CaseNumber);
            if (c is null)
            {
                return Task.FromResult<Result<Unit>>(Error.NotFound("case.not_found", reminder.CaseNumber));
            }

            if (!Reminders.Any(r => r.FeedbackId == reminder.FeedbackId))
            {
                Reminders.Add(reminder);
            }

            return Task.FromResult(Result.Ok());
        }
    }

    public Task<IReadOnlyList<CityFeedEntry>> ReadFeedAfterAsync(long position, int max, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Positions are 1, 2, 3…: entry n is at index n - 1.
            var from = (int)Math.Clamp(position, 0, _feed.Count);
            return Task.FromResult<IReadOnlyList<CityFeedEntry>>(_feed.GetRange(from, Math.Min(max, _feed.Count - from)));
        }
    }

    private void Append(FakeCase c, CityFeedEvent kind, string? comment, CityTransfer? transfer)
    {
        var summary = new CaseSummary(c.CaseNumber, c.Type, null, c.Origin is null ? "phone" : c.Origin.Channel.ToString().ToLowerInvariant(),
            c.Title, c.MaskedPhone, c.Status, DateTimeOffset.UtcNow, c.Deadline, false);
        // Like the ticketing adapter: the feed's event name beside the typed event, the outcome from the status.
        var name = kind switch
        {
            CityFeedEvent.Created => "created",
            CityFeedEvent.StatusChanged => "statusChanged",
            CityFeedEvent.TransferredOut => "transferredOut",
            _ => "other",
        };
        var outcome = c.Status switch
        {
            "closed" => CityCaseOutcome.Resolved,
            "returned" => CityCaseOutcome.Returned,
            _ => CityCaseOutcome.Open,
        };
        _feed.Add(new CityFeedEntry(_feed.Count + 1, c.CaseNumber, kind, name, DateTimeOffset.UtcNow, summary, outcome, comment, c.Origin, transfer));
        _committed.Raise();
    }

    /// <summary>Like ticketing's commit signal: wakes the relay when an entry is appended (remembered once if nobody waits).</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _committed.WaitAsync(timeout, ct);
}

/// <summary>A case in the fake city.</summary>
internal sealed class FakeCase(string caseNumber, string type, string title, string maskedPhone, string status, DateTimeOffset? deadline, CaseOrigin? origin)
{
    public string CaseNumber { get; } = caseNumber;
    public string Type { get; } = type;
    public string Title { get; } = title;
    public string MaskedPhone { get; } = maskedPhone;
    public string Status { get; set; } = status;
    public DateTimeOffset? Deadline { get; } = deadline;
    public CaseOrigin? Origin { get; } = origin;
    public string? Phone { get; init; }
    public string? Name { get; init; }
    public string? Location { get; init; }
    public string? Description { get; init; }
    public string? Result { get; set; }
}
