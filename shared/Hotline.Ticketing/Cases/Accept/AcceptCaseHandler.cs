using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Duplicates;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Cases.Accept;

/// <summary>Staff-only details of an acceptance that the federation contract does not carry.</summary>
internal sealed record AcceptExtras(CasePriority Priority = CasePriority.Normal, string? Plate = null, bool ManualMajor = false, string? MajorReason = null,
    string? CallId = null);

/// <summary>
/// 业务受理: validates a case from any channel, numbers it, computes its deadline, stores it with its first timeline
/// event, feed entry and audit record in one transaction (on SQLite through the group-committing
/// <see cref="CaseIntakeWriter"/>), applies the keyword 重大投诉 rule, and queues it for 查重 indexing (which applies the
/// 群体性 rule) after the commit.
/// </summary>
internal sealed partial class AcceptCaseHandler(
    TicketingDbContext db,
    ReferenceData reference,
    CaseIntakeWriter writer,
    DuplicateIndexer indexer,
    IOptions<NodeOptions> node,
    IOptions<TicketingOptions> options,
    TimeProvider clock,
    ILogger<AcceptCaseHandler> logger) : ICaseIntake
{
    private const string QueryAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public Task<Result<AcceptedCase>> AcceptAsync(AcceptCase command, CancellationToken ct) =>
        AcceptAsync(command, new AcceptExtras(), Actor.System with { Id = "system:" + command.Channel.ToString().ToLowerInvariant() }, ct);

    public async Task<Result<AcceptedCase>> AcceptAsync(AcceptCase command, AcceptExtras extras, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var refs = await reference.GetAsync(ct);
        var now = clock.GetUtcNow();
        var invalid = Validate(command, refs, now, options.Value.MaxDescriptionLength);
        if (invalid is not null)
        {
            return invalid;
        }

        if (command.Source is { } src)
        {
            var existing = await FindBySourceAsync(src, ct);
            if (existing is not null)
            {
                return new AcceptedCase(existing.CaseNumber, existing.QueryCode, true);
            }
        }

        var description = command.Description.Trim();
        var order = new WorkOrder
        {
            QueryCode = NewQueryCode(),
            Channel = command.Channel,
            Type = command.Type,
            Category = Blank(command.Category),
            Priority = extras.Priority,
            Status = CaseStatus.Accepted,
            Title = TitleOf(description),
            Description = description,
            CallerPhone = Blank(command.CallerPhone),
            CallerName = Blank(command.CallerName),
            Confidential = command.Confidential,
            Enterprise = Blank(command.Enterprise),
            Plate = Blank(extras.Plate) ?? ChineseText.FirstPlate(description),
            Location = Blank(command.Location),
            OccurredAt = command.OccurredAt?.ToUniversalTime(),
            AcceptedAt = now,
            AcceptedBy = actor.Id,
            SourceNode = command.Source?.OriginNode,
            SourceCaseNumber = command.Source?.OriginCaseNumber,
            CorrelationId = command.Source?.CorrelationId,
            RecordingId = Blank(command.RecordingId),
        };
        order.Deadline = command.Deadline?.ToUniversalTime() ?? refs.Sla.DeadlineFor(order.Type, order.Category, order.Priority, now);

        var majorReason = extras.ManualMajor
            ? "人工标记：" + (extras.MajorReason ?? "")
            : KeywordRule(order);
        var channelText = command.Source is null ? command.Channel.ToString() : $"{command.Channel} {command.Source.OriginNode}/{command.Source.OriginCaseNumber}";
        if (Blank(extras.CallId) is { } callId)
        {
            channelText += " call:" + (callId.Length > 100 ? callId[..100] : callId);
        }
        var log = new List<IntakeLog>(2) { new(actor, "accepted", CaseStatus.Accepted, channelText, true, CaseFeedEvents.Created) };
        if (majorReason is not null)
        {
            order.Major = true;
            order.MajorReason = majorReason;
            log.Add(new IntakeLog(actor, "majorFlagged", null, majorReason, false, CaseFeedEvents.MajorFlagged));
        }

        var failure = db.IsPostgres ? await WriteOneAsync(order, log, ct) : await writer.WriteAsync(order, log).WaitAsync(ct);
        if (failure is not null)
        {
            // A concurrent delivery of the same 转办/交办 won the unique (source_node, source_case_number) index.
            var existing = command.Source is null ? null : await FindBySourceAsync(command.Source, ct);
            if (existing is null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            return new AcceptedCase(existing.CaseNumber, existing.QueryCode, true);
        }

        indexer.Enqueue(order);
        LogAccepted(logger, order.CaseNumber, order.Channel, order.Type, Masking.Phone(order.CallerPhone));
        if (order.Major)
        {
            LogMajor(logger, order.CaseNumber, order.MajorReason ?? "");
        }

        return new AcceptedCase(order.CaseNumber, order.QueryCode, false);
    }

    public async Task<Result<Unit>> RecordExternalFeedbackAsync(ExternalFeedback feedback, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        var fields = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(feedback.FeedbackId))
        {
            fields["feedbackId"] = ["Required."];
        }

        if (feedback.Kind is not ("progressed" or "resolved" or "returned"))
        {
            fields["kind"] = ["Must be progressed, resolved or returned."];
        }

        if (fields.Count > 0)
        {
            return Error.Validation(fields);
        }

        if (await db.ExternalFeedback.AnyAsync(f => f.FeedbackId == feedback.FeedbackId, ct))
        {
            return Result.Ok();
        }

        var order = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == feedback.CaseNumber, ct);
        if (order is null)
        {
            return Error.NotFound("case.not_found", $"Case {feedback.CaseNumber} does not exist on this node.");
        }

        var actor = Actor.System with { Id = "node:" + feedback.FromNode };
        var now = clock.GetUtcNow();
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        if (await db.ExternalFeedback.AnyAsync(f => f.FeedbackId == feedback.FeedbackId, ct))
        {
            return Result.Ok();
        }

        db.ExternalFeedback.Add(new ExternalFeedbackRow
        {
            FeedbackId = feedback.FeedbackId, CaseNumber = feedback.CaseNumber, FromNode = feedback.FromNode,
            Kind = feedback.Kind, Text = feedback.Text, At = feedback.At,
        });
        var from = order.Status;
        CaseStatus? to = null;
        if (order.Status == CaseStatus.TransferredOut && feedback.Kind == "resolved")
        {
            to = CaseStatus.Closed;
            order.ClosedAt = now;
            order.ReplyText = feedback.Text;
        }
        else if (order.Status == CaseStatus.TransferredOut && feedback.Kind == "returned")
        {
            to = CaseStatus.Accepted;
            order.TransferTarget = null;
        }

        if (to is { } target)
        {
            order.Status = target;
            order.Version++;
        }

        CaseLog.Record(db, order, actor, now, "feedback." + feedback.Kind, to is null ? null : from, to,
            $"{feedback.FromNode}：{feedback.Text}", feedback.Kind != "returned", CaseFeedEvents.FeedbackReceived);
        if (to == CaseStatus.Closed)
        {
            CaseLog.AddFeed(db, order, now, CaseFeedEvents.CitizenNotified, feedback.Text);
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result.Ok();
    }

    /// <summary>
    /// The answer to a request whose body could not be read in full: the fields the reader refused plus every field the
    /// business validation refuses, so one 400 names them all. Fields left at a default because they were unreadable
    /// are not judged again (nor is the category, whose meaning depends on an unreadable type).
    /// </summary>
    internal async Task<Error> NameEveryBadFieldAsync(AcceptCase partial, IReadOnlyDictionary<string, string[]> readErrors, CancellationToken ct)
    {
        var fields = new Dictionary<string, string[]>(readErrors);
        if (!readErrors.ContainsKey("body"))
        {
            var refs = await reference.GetAsync(ct);
            if (Validate(partial, refs, clock.GetUtcNow(), options.Value.MaxDescriptionLength)?.Fields is { } more)
            {
                foreach (var (field, messages) in more)
                {
                    if (!(field == "category" && readErrors.ContainsKey("type")))
                    {
                        fields.TryAdd(field, messages);
                    }
                }
            }
        }

        return Error.Validation(fields);
    }

    /// <summary>Checks every field and names each bad one; null when the command is acceptable.</summary>
    internal static Error? Validate(AcceptCase c, ReferenceData.Snapshot refs, DateTimeOffset now, int maxDescription)
    {
        var fields = new Dictionary<string, string[]>();
        if (!Enum.IsDefined(c.Channel))
        {
            fields["channel"] = ["Unknown channel."];
        }

        if (!Enum.IsDefined(c.Type))
        {
            fields["type"] = ["Must be one of complaint, report, inquiry, suggestion, help, praise."];
        }

        var description = c.Description?.Trim() ?? "";
        if (description.Length < 5)
        {
            fields["description"] = ["Describe the matter in at least 5 characters."];
        }
        else if (description.Length > maxDescription)
        {
            fields["description"] = [$"At most {maxDescription} characters."];
        }
        else if (description.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t')))
        {
            fields["description"] = ["Contains control characters."];
        }

        if (!string.IsNullOrWhiteSpace(c.Category) && !refs.Categories.ContainsKey(c.Category.Trim()))
        {
            fields["category"] = [$"Unknown category code '{c.Category}'."];
        }

        var needsPhone = c.Channel is CaseChannel.Phone or CaseChannel.Web or CaseChannel.App or CaseChannel.Sms or CaseChannel.Voicemail;
        if (string.IsNullOrWhiteSpace(c.CallerPhone))
        {
            if (needsPhone)
            {
                fields["phone"] = ["A contact phone number is required."];
            }
        }
        else if (!PhonePattern().IsMatch(c.CallerPhone.Trim()))
        {
            fields["phone"] = ["Not a phone number (mobile 1xxxxxxxxxx or landline 0xx-xxxxxxx)."];
        }

        if (c.CallerName is { Length: > 50 })
        {
            fields["name"] = ["At most 50 characters."];
        }

        if (c.Enterprise is { Length: > 100 })
        {
            fields["enterprise"] = ["At most 100 characters."];
        }

        if (c.Location is { Length: > 200 })
        {
            fields["location"] = ["At most 200 characters."];
        }

        if (c.OccurredAt is { } at && (at > now.AddHours(1) || at < now.AddYears(-2)))
        {
            fields["occurredAt"] = ["Must not be in the future nor more than two years ago."];
        }

        if (c.Deadline is { } dl && dl <= now)
        {
            fields["deadline"] = ["Must be in the future."];
        }

        if (c.Source is { } s && (!RegionCode.IsValid(s.OriginNode) || string.IsNullOrWhiteSpace(s.OriginCaseNumber)))
        {
            fields["source"] = ["Origin node must be a region code and the origin case number is required."];
        }

        return fields.Count > 0 ? Error.Validation(fields) : null;
    }

    /// <summary>重大投诉 by keyword (at acceptance); the 群体性 rule runs when the case is indexed (<see cref="DuplicateIndexer"/>).</summary>
    private string? KeywordRule(WorkOrder order)
    {
        if (order.Type is not (CaseType.Complaint or CaseType.Report))
        {
            return null;
        }

        var word = options.Value.MajorKeywords.FirstOrDefault(k => order.Description.Contains(k, StringComparison.Ordinal));
        return word is null ? null : $"规则：含关键词“{word}”";
    }

    /// <summary>PostgreSQL (many writers): one transaction per case, numbered by the database's sequence row.</summary>
    private async Task<Exception?> WriteOneAsync(WorkOrder order, List<IntakeLog> log, CancellationToken ct)
    {
        try
        {
            await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
            var day = WorkingCalendar.ChinaDate(order.AcceptedAt);
            var seq = await NextSequenceAsync(day, tx, ct);
            order.CaseNumber = $"{node.Value.Id}-{day:yyyyMMdd}-{seq:000000}";
            db.Cases.Add(order);
            foreach (var line in log)
            {
                CaseLog.Record(db, order, line.Actor, order.AcceptedAt, line.Kind, null, line.To, line.Comment, line.Public, line.FeedEvent);
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return null;
        }
        catch (DbUpdateException ex)
        {
            db.ChangeTracker.Clear();
            return ex;
        }
    }

    private async Task<long> NextSequenceAsync(DateOnly day, CaseWrite tx, CancellationToken ct)
    {
        var conn = db.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        cmd.CommandText = new SchemaMigrator.Dialect(db.IsPostgres).Expand(
            "INSERT INTO {s}case_sequences AS q (day, last_value) VALUES (@day, 1) " +
            "ON CONFLICT (day) DO UPDATE SET last_value = q.last_value + 1 RETURNING last_value");
        SchemaMigrator.AddParameter(cmd, "@day", day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task<WorkOrder?> FindBySourceAsync(ExternalReference src, CancellationToken ct) =>
        db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.SourceNode == src.OriginNode && c.SourceCaseNumber == src.OriginCaseNumber, ct);

    internal static string NewQueryCode() =>
        string.Create(8, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = QueryAlphabet[RandomNumberGenerator.GetInt32(QueryAlphabet.Length)];
            }
        });

    private static string TitleOf(string description)
    {
        var line = description.ReplaceLineEndings(" ");
        return line.Length <= 30 ? line : line[..30] + "…";
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex(@"^(\+?86[- ]?)?(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{5,8})$")]
    internal static partial Regex PhonePattern();

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Case {CaseNumber} accepted from {Channel} ({Type}), caller {MaskedPhone}")]
    private static partial void LogAccepted(ILogger logger, string caseNumber, CaseChannel channel, CaseType type, string maskedPhone);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Case {CaseNumber} flagged major: {Reason}")]
    private static partial void LogMajor(ILogger logger, string caseNumber, string reason);
}
