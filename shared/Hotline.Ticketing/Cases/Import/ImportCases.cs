using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Accept;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Duplicates;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Cases.Import;

/// <summary>An external id already imported: which case it became and a hash of the row it came from.</summary>
internal sealed class CaseImportRow
{
    public string ExternalId { get; set; } = "";
    public string CaseNumber { get; set; } = "";
    public string RowHash { get; set; } = "";
    public DateTimeOffset ImportedAt { get; set; }
    public string ImportedBy { get; set; } = "";
}

/// <summary>
/// 历史工单导入: validates every row (naming each bad field), then stores the good rows in transactions of
/// <see cref="RowsPerTransaction"/>, each behind the module's writer gate: a row becomes a whole case (numbered by its own
/// acceptance day, its timeline, one <c>created</c> feed entry carrying its final status so it is reported upward, audit
/// records) or nothing. An external id seen before with the same content is unchanged; with other content it is refused
/// (an import never overwrites a case).
/// </summary>
internal sealed partial class ImportCasesHandler(
    TicketingDbContext db,
    ReferenceData reference,
    DuplicateIndexer indexer,
    IOptions<NodeOptions> node,
    IOptions<TicketingOptions> options,
    TimeProvider clock,
    ILogger<ImportCasesHandler> logger) : ICaseHistoryImport
{
    internal const int RowsPerTransaction = 500;
    private static readonly TimeSpan China = WorkingCalendar.ChinaOffset;
    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, China);

    /// <summary>A row that passed validation, in the form it is stored.</summary>
    internal sealed record GoodRow(int Index, string ExternalId, string Hash, CaseType Type, string? Category, CaseChannel Channel,
        string Description, string? Phone, DateTimeOffset AcceptedAt, DateTimeOffset? ClosedAt, CaseStatus Status,
        Satisfaction? Satisfaction, string? Enterprise, string? Location);

    public async Task<Result<CaseImportResult>> ImportAsync(IReadOnlyList<HistoricalCase> cases, string importedBy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cases);
        if (cases.Count > ICaseHistoryImport.MaxRows)
        {
            return Error.Validation(new Dictionary<string, string[]>
            {
                ["cases"] = [$"At most {ICaseHistoryImport.MaxRows} rows per request; split the file."],
            });
        }

        var refs = await reference.GetAsync(ct);
        var now = clock.GetUtcNow();
        var refused = new List<CaseImportRefusal>();
        var good = new List<GoodRow>(cases.Count);
        var firstIndexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < cases.Count; i++)
        {
            var row = Validate(i, cases[i], refs, now, options.Value.MaxDescriptionLength, refused);
            if (row is null)
            {
                continue;
            }

            if (firstIndexOf.TryGetValue(row.ExternalId, out var first))
            {
                refused.Add(new CaseImportRefusal(i, "externalId", $"Appears again in this request (first at index {first})."));
                continue;
            }

            firstIndexOf[row.ExternalId] = i;
            good.Add(row);
        }

        var imported = 0;
        var unchanged = 0;
        for (var start = 0; start < good.Count; start += RowsPerTransaction)
        {
            var chunk = good.GetRange(start, Math.Min(RowsPerTransaction, good.Count - start));
            var (stored, same) = await StoreAsync(chunk, refs, importedBy, now, refused, ct);
            imported += stored;
            unchanged += same;
        }

        refused.Sort((a, b) => a.Index.CompareTo(b.Index));
        LogImported(logger, imported, unchanged, refused.Select(r => r.Index).Distinct().Count(), importedBy);
        return new CaseImportResult(imported, unchanged, refused);
    }

    private async Task<(int Imported, int Unchanged)> StoreAsync(List<GoodRow> chunk, ReferenceData.Snapshot refs, string importedBy,
        DateTimeOffset now, List<CaseImportRefusal> refused, CancellationToken ct)
    {
        var ids = chunk.Select(r => r.ExternalId).ToList();
        var stored = new List<WorkOrder>(chunk.Count);
        var unchanged = 0;
        await using (var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct))
        {
            // Read inside the write lock: a concurrent import of the same file cannot store a row twice.
            var known = await db.Imports.AsNoTracking().Where(x => ids.Contains(x.ExternalId)).ToDictionaryAsync(x => x.ExternalId, ct);
            var fresh = new List<GoodRow>(chunk.Count);
            foreach (var row in chunk)
            {
                if (!known.TryGetValue(row.ExternalId, out var before))
                {
                    fresh.Add(row);
                }
                else if (before.RowHash == row.Hash)
                {
                    unchanged++;
                }
                else
                {
                    refused.Add(new CaseImportRefusal(row.Index, "externalId",
                        $"Already imported as case {before.CaseNumber} with other content; an import does not overwrite a case."));
                }
            }

            var actor = new Actor("import:" + importedBy, [HotlineRoles.Administrator], null, null, null);
            foreach (var day in fresh.GroupBy(r => WorkingCalendar.ChinaDate(r.AcceptedAt)))
            {
                var rows = day.OrderBy(r => r.AcceptedAt).ToList();
                var last = await ReserveAsync(day.Key, rows.Count, tx, ct);
                var seq = last - rows.Count;
                foreach (var row in rows)
                {
                    var order = ToCase(row, refs, $"{node.Value.Id}-{day.Key:yyyyMMdd}-{++seq:000000}", actor);
                    db.Cases.Add(order);
                    Timeline(order, row, actor);
                    db.Imports.Add(new CaseImportRow
                    {
                        ExternalId = row.ExternalId, CaseNumber = order.CaseNumber, RowHash = row.Hash, ImportedAt = now, ImportedBy = importedBy,
                    });
                    stored.Add(order);
                }
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        db.ChangeTracker.Clear();
        foreach (var order in stored.Where(o => o.IsOpen))
        {
            // Open history may still be reported again by a caller; closed history joins the index at the next start-up load.
            indexer.Enqueue(order);
        }

        return (stored.Count, unchanged);
    }

    /// <summary>Adds <paramref name="count"/> to the day's case sequence; returns the new last value.</summary>
    private async Task<long> ReserveAsync(DateOnly day, int count, CaseWrite tx, CancellationToken ct)
    {
        var conn = db.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        cmd.CommandText = new SchemaMigrator.Dialect(db.IsPostgres).Expand(
            "INSERT INTO {s}case_sequences AS q (day, last_value) VALUES (@day, @n) " +
            "ON CONFLICT (day) DO UPDATE SET last_value = q.last_value + @n RETURNING last_value");
        SchemaMigrator.AddParameter(cmd, "@day", day.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        SchemaMigrator.AddParameter(cmd, "@n", (long)count);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static WorkOrder ToCase(GoodRow row, ReferenceData.Snapshot refs, string caseNumber, Actor actor)
    {
        var order = new WorkOrder
        {
            CaseNumber = caseNumber,
            QueryCode = AcceptCaseHandler.NewQueryCode(),
            Channel = row.Channel,
            Type = row.Type,
            Category = row.Category,
            Priority = CasePriority.Normal,
            Status = row.Status,
            Title = row.Description.ReplaceLineEndings(" ") is { Length: > 30 } line ? line[..30] + "…" : row.Description.ReplaceLineEndings(" "),
            Description = row.Description,
            CallerPhone = row.Phone,
            Enterprise = row.Enterprise,
            Plate = ChineseText.FirstPlate(row.Description),
            Location = row.Location,
            AcceptedAt = row.AcceptedAt,
            AcceptedBy = actor.Id,
            ClosedAt = row.ClosedAt,
            Satisfaction = row.Satisfaction,
        };
        order.Deadline = refs.Sla.DeadlineFor(order.Type, order.Category, order.Priority, order.AcceptedAt);
        return order;
    }

    /// <summary>The imported case's history: accepted (public, with the feed entry that reports it upward), then how it ended.</summary>
    private void Timeline(WorkOrder order, GoodRow row, Actor actor)
    {
        CaseLog.Record(db, order, actor, row.AcceptedAt, "imported", null, CaseStatus.Accepted,
            $"历史导入 {row.ExternalId}（{row.Channel}）", true, CaseFeedEvents.Created);
        if (row.Status != CaseStatus.Accepted)
        {
            var satisfaction = row.Satisfaction switch
            {
                Satisfaction.Satisfied => "，回访满意",
                Satisfaction.BasicallySatisfied => "，回访基本满意",
                Satisfaction.Dissatisfied => "，回访不满意",
                _ => "",
            };
            CaseLog.Record(db, order, actor, row.ClosedAt ?? row.AcceptedAt, "imported." + JsonNames.Camel(row.Status.ToString()),
                CaseStatus.Accepted, row.Status, $"原系统{StatusText.Zh(row.Status)}{satisfaction}", true, null);
        }
    }

    /// <summary>Checks one row; adds a refusal per bad field and returns null, or returns the row as stored.</summary>
    internal static GoodRow? Validate(int index, HistoricalCase? c, ReferenceData.Snapshot refs, DateTimeOffset now, int maxDescription,
        List<CaseImportRefusal> refused)
    {
        var before = refused.Count;
        void Refuse(string field, string reason) => refused.Add(new CaseImportRefusal(index, field, reason));
        if (c is null)
        {
            Refuse("row", "Each row must be a JSON object.");
            return null;
        }

        var externalId = c.ExternalId?.Trim() ?? "";
        if (externalId.Length == 0)
        {
            Refuse("externalId", "Required: the case's id in the previous system.");
        }
        else if (externalId.Length > 100 || externalId.Any(char.IsControl))
        {
            Refuse("externalId", "At most 100 characters, no control characters.");
        }

        var type = CaseType.Complaint;
        if (string.IsNullOrWhiteSpace(c.Type))
        {
            Refuse("type", "Required: complaint, report, inquiry, suggestion, help or praise.");
        }
        else if (!JsonNames.TryParse(c.Type, out type))
        {
            Refuse("type", $"'{Clip(c.Type)}' is not one of complaint, report, inquiry, suggestion, help, praise.");
        }

        var category = string.IsNullOrWhiteSpace(c.Category) ? null : c.Category.Trim();
        if (category is not null && !refs.Categories.ContainsKey(category))
        {
            Refuse("category", $"Unknown category code '{Clip(category)}'.");
        }

        var channel = CaseChannel.Phone;
        if (string.IsNullOrWhiteSpace(c.Channel))
        {
            Refuse("channel", "Required: phone, web, app, wechat, sms, email, transfer, assignment, enterprise or voicemail.");
        }
        else if (!JsonNames.TryParse(c.Channel, out channel))
        {
            Refuse("channel", $"'{Clip(c.Channel)}' is not a channel (phone, web, app, wechat, sms, email, transfer, assignment, enterprise, voicemail).");
        }

        var description = c.Description?.Trim() ?? "";
        if (description.Length < 5)
        {
            Refuse("description", "Describe the matter in at least 5 characters.");
        }
        else if (description.Length > maxDescription)
        {
            Refuse("description", $"At most {maxDescription} characters.");
        }
        else if (description.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t')))
        {
            Refuse("description", "Contains control characters.");
        }

        var phone = string.IsNullOrWhiteSpace(c.Phone) ? null : c.Phone.Trim();
        if (phone is not null && !AcceptCaseHandler.PhonePattern().IsMatch(phone))
        {
            Refuse("phone", "Not a phone number (mobile 1xxxxxxxxxx or landline 0xx-xxxxxxx).");
        }

        var acceptedAt = Instant(c.AcceptedAt, "acceptedAt", required: true, now, Refuse);
        var closedAt = Instant(c.ClosedAt, "closedAt", required: false, now, Refuse);

        var status = CaseStatus.Accepted;
        var statusText = c.Status?.Trim().ToLowerInvariant();
        switch (statusText)
        {
            case "open":
                if (closedAt is not null)
                {
                    Refuse("closedAt", "An open case has no closing time; give status closed or archived, or leave closedAt out.");
                }

                break;
            case "closed":
                status = CaseStatus.Closed;
                break;
            case "archived":
                status = CaseStatus.Archived;
                break;
            case null or "":
                Refuse("status", "Required: archived, closed or open.");
                break;
            default:
                Refuse("status", $"'{Clip(c.Status!)}' is not one of archived, closed, open.");
                break;
        }

        if (acceptedAt is { } a && closedAt is { } z && z < a)
        {
            Refuse("closedAt", "Must not be before acceptedAt.");
        }

        Satisfaction? satisfaction = null;
        switch (c.Satisfaction?.Trim().ToLowerInvariant())
        {
            case null or "":
                break;
            case "satisfied":
                satisfaction = Domain.Satisfaction.Satisfied;
                break;
            case "basic" or "basicallysatisfied":
                satisfaction = Domain.Satisfaction.BasicallySatisfied;
                break;
            case "dissatisfied":
                satisfaction = Domain.Satisfaction.Dissatisfied;
                break;
            default:
                Refuse("satisfaction", $"'{Clip(c.Satisfaction!)}' is not one of satisfied, basic, dissatisfied.");
                break;
        }

        if (c.Enterprise is { Length: > 100 })
        {
            Refuse("enterprise", "At most 100 characters.");
        }

        if (c.Location is { Length: > 200 })
        {
            Refuse("location", "At most 200 characters.");
        }

        if (refused.Count > before)
        {
            return null;
        }

        // A return visit happened (满意度 given) on a closed case: 已回访.
        if (status == CaseStatus.Closed && satisfaction is not null)
        {
            status = CaseStatus.Visited;
        }

        var enterprise = string.IsNullOrWhiteSpace(c.Enterprise) ? null : c.Enterprise.Trim();
        var location = string.IsNullOrWhiteSpace(c.Location) ? null : c.Location.Trim();
        var hash = Hash(externalId, type, category, channel, description, phone, acceptedAt!.Value, closedAt, status, satisfaction, enterprise, location);
        return new GoodRow(index, externalId, hash, type, category, channel, description, phone, acceptedAt.Value.ToUniversalTime(),
            closedAt?.ToUniversalTime(), status, satisfaction, enterprise, location);
    }

    private static DateTimeOffset? Instant(string? text, string field, bool required, DateTimeOffset now, Action<string, string> refuse)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                refuse(field, "Required: an ISO 8601 date and time, e.g. 2026-03-01T09:30:00+08:00.");
            }

            return null;
        }

        var trimmed = text.Trim();
        var hasOffset = trimmed.EndsWith('Z') || trimmed.EndsWith('z') || OffsetSuffix().IsMatch(trimmed);
        if (!DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var at))
        {
            refuse(field, $"'{Clip(trimmed)}' is not an ISO 8601 date and time.");
            return null;
        }

        if (!hasOffset)
        {
            // A time without an offset is China time (the previous system's clock), not this server's zone.
            at = new DateTimeOffset(at.DateTime, China);
        }

        if (at > now.AddMinutes(5))
        {
            refuse(field, "Must not be in the future.");
            return null;
        }

        if (at < Earliest)
        {
            refuse(field, "Must not be before 2000-01-01.");
            return null;
        }

        return at;
    }

    private static string Hash(string externalId, CaseType type, string? category, CaseChannel channel, string description, string? phone,
        DateTimeOffset acceptedAt, DateTimeOffset? closedAt, CaseStatus status, Satisfaction? satisfaction, string? enterprise, string? location)
    {
        var text = string.Join('\u001f', externalId, type, category, channel, description, phone,
            acceptedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            closedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), status, satisfaction, enterprise, location);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;

    [System.Text.RegularExpressions.GeneratedRegex(@"[+-]\d{2}:?\d{2}$")]
    private static partial System.Text.RegularExpressions.Regex OffsetSuffix();

    [LoggerMessage(EventId = 3060, Level = LogLevel.Information, Message = "Case import by {ImportedBy}: {Imported} imported, {Unchanged} unchanged, {Refused} rows refused")]
    private static partial void LogImported(ILogger logger, int imported, int unchanged, int refused, string importedBy);
}
