using System.Security.Cryptography;
using System.Text;
using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Duplicates;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Cases.Get;

/// <summary>Filters for the staff case list. 工单查询</summary>
internal sealed record CaseFilter(string? Status = null, string? Type = null, string? Text = null, bool OverdueOnly = false,
    string? HandlingUnit = null, bool MajorOnly = false, int Page = 1, int PageSize = 50, IReadOnlyList<CaseStatus>? Statuses = null,
    int? DueWithinDays = null);

/// <summary>
/// Reads cases for citizens (query code), staff (role-masked, audited when unmasked) and enterprise accounts (their cases only).
/// </summary>
internal sealed class CaseQueries(
    TicketingDbContext db,
    ReferenceData reference,
    DuplicateIndex duplicates,
    DuplicateIndexer indexer,
    IOptions<TicketingOptions> options,
    IRecordingStore recordings,
    TimeProvider clock)
{
    private static readonly string[] Listeners =
    [
        HotlineRoles.Agent, HotlineRoles.TeamLead, HotlineRoles.QualityInspector, HotlineRoles.Handler, HotlineRoles.Reviewer,
        HotlineRoles.Administrator,
    ];

    /// <summary>录音: the recording linked to a case, for staff who handle calls and cases; every playback is audited.</summary>
    public async Task<Result<RecordingFile>> RecordingAsync(string caseNumber, Actor actor, CancellationToken ct)
    {
        var o = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (o is null || !Visibility.MayRead(actor, o) || actor.IsEnterpriseOnly)
        {
            return Error.NotFound("case.not_found", $"Case {caseNumber} was not found.");
        }

        if (!actor.Roles.Any(Listeners.Contains))
        {
            return Error.Forbidden("recording.forbidden", "Only call-center and case staff may play recordings.");
        }

        var file = o.RecordingId is null ? null : await recordings.FindAsync(o.RecordingId, ct);
        if (file is null)
        {
            return Error.NotFound("recording.not_found", $"Case {caseNumber} has no recording.");
        }

        CaseLog.Audit(db, actor, clock.GetUtcNow(), "recording.read", caseNumber, o.RecordingId);
        await db.SaveChangesAsync(ct);
        return file;
    }

    /// <summary>The caller's earlier cases (newest first), as list rows masked per the viewer's role; the lookup is audited.</summary>
    public async Task<IReadOnlyList<CaseListItem>> ByPhoneAsync(string phone, Actor actor, CancellationToken ct)
    {
        var p = phone.Trim();
        if (p.Length < 5)
        {
            return [];
        }

        var refs = await reference.GetAsync(ct);
        var now = clock.GetUtcNow();
        var rows = await db.Cases.AsNoTracking().Where(c => c.CallerPhone == p).OrderByDescending(c => c.Id).Take(20).ToListAsync(ct);
        CaseLog.Audit(db, actor, now, "pii.search", null, $"earlier cases of caller {Masking.Phone(p)}: {rows.Count}");
        await db.SaveChangesAsync(ct);
        return rows.Where(o => Visibility.MayRead(actor, o)).Select(o => CaseViewMapper.ListItem(o, Visibility.ViewOf(actor, o), refs.Sla, now)).ToList();
    }

    /// <summary>GetCaseByQueryCode: 404 for an unknown case and for a wrong code alike (no oracle).</summary>
    public async Task<Result<PublicCaseView>> GetPublicAsync(string caseNumber, string? queryCode, CancellationToken ct)
    {
        var o = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (o is null || string.IsNullOrEmpty(queryCode) ||
            !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(o.QueryCode), Encoding.UTF8.GetBytes(queryCode.Trim().ToUpperInvariant())))
        {
            return Error.NotFound("case.not_found", "No case matches this number and query code.");
        }

        var events = await db.Events.AsNoTracking().Where(e => e.CaseId == o.Id && e.Public).OrderBy(e => e.Id).ToListAsync(ct);
        var showReply = o.Status is CaseStatus.Closed or CaseStatus.Visited or CaseStatus.Archived || (o.Status == CaseStatus.Merged && o.ReplyText is not null);
        return new PublicCaseView(o.CaseNumber, CaseViewMapper.TypeJson(o.Type), StatusText.Json(o.Status), StatusText.Zh(o.Status), o.AcceptedAt,
            o.Deadline, Masking.Phone(o.CallerPhone), o.Title, o.Description, showReply ? o.ReplyText : null,
            events.Select(e => CaseViewMapper.Item(e, withActor: false)).ToList());
    }

    /// <summary>GetCase for staff. Unmasked reads of personal data leave an audit record.</summary>
    public async Task<Result<StaffCaseView>> GetStaffAsync(string caseNumber, Actor actor, CancellationToken ct)
    {
        var o = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (o is null || !Visibility.MayRead(actor, o))
        {
            return Error.NotFound("case.not_found", $"Case {caseNumber} was not found.");
        }

        var refs = await reference.GetAsync(ct);
        var now = clock.GetUtcNow();
        var view = Visibility.ViewOf(actor, o);
        var (phone, name) = CaseViewMapper.Person(o, view);
        var events = await db.Events.AsNoTracking().Where(e => e.CaseId == o.Id).OrderBy(e => e.Id).ToListAsync(ct);
        var internalViewer = !actor.Is(HotlineRoles.Enterprise) || actor.SeesPersonalData;
        if (view == PersonalDataView.Full && (o.CallerPhone is not null || o.CallerName is not null))
        {
            CaseLog.Audit(db, actor, now, "pii.read", o.CaseNumber, "caller phone and name shown unmasked");
            await db.SaveChangesAsync(ct);
        }

        // 派单规则 (data): the first rule matching the case's category, enterprise and place suggests the unit.
        var route = o.Status is CaseStatus.Accepted or CaseStatus.Returned ? refs.Route(o.Category, o.Enterprise, o.Location) : null;
        var attachments = await db.Attachments.AsNoTracking().Where(a => a.CaseId == o.Id).OrderBy(a => a.Id)
            .Select(a => new Cases.Attach.AttachmentInfo(a.Id, a.FileName, a.ContentType, a.Size, a.UploadedAt)).ToListAsync(ct);
        var actions = CaseStateMachine.ActionsIn(o.Status).Where(a => CaseStateMachine.RoleMayTake(a, actor.Roles))
            .Select(a => JsonNames.Camel(a.ToString())).ToList();
        return new StaffCaseView(o.CaseNumber, CaseViewMapper.TypeJson(o.Type), o.Category,
            o.Category is not null && refs.Categories.TryGetValue(o.Category, out var cat) ? cat.Name : null,
            JsonNames.Camel(o.Channel.ToString()), JsonNames.Camel(o.Priority.ToString()), StatusText.Json(o.Status), StatusText.Zh(o.Status),
            o.Title, o.Description, phone, name, JsonNames.Camel(view.ToString()), o.Confidential, o.Enterprise, o.Plate, o.Location, o.OccurredAt,
            o.AcceptedAt, o.Deadline, JsonNames.Camel(refs.Sla.StateOf(o, now).ToString()), o.HandlingUnit, o.HandledByEnterprise, o.Major,
            internalViewer ? o.MajorReason : null, o.MasterCaseNumber, o.TransferTarget,
            o.Satisfaction is { } s ? JsonNames.Camel(s.ToString()) : null, o.ReplyText, o.PendingExtensionDays, o.PendingExtensionReason,
            o.UrgeCount, o.SuperviseCount, o.NotifyCount, internalViewer ? o.Source : null, internalViewer ? o.RecordingId : null, actions,
            events.Where(e => internalViewer || e.Public).Select(e => CaseViewMapper.Item(e, withActor: internalViewer)).ToList(), attachments,
            route?.HandlingUnit, route?.IsEnterprise ?? false);
    }

    /// <summary>Search and filter (staff); enterprise accounts get only their enterprise's cases.</summary>
    public async Task<(IReadOnlyList<CaseListItem> Items, int Total)> SearchAsync(CaseFilter filter, Actor actor, CancellationToken ct)
    {
        var refs = await reference.GetAsync(ct);
        var now = clock.GetUtcNow();
        var q = db.Cases.AsNoTracking();
        if (actor.IsEnterpriseOnly)
        {
            q = q.Where(c => c.HandledByEnterprise && c.HandlingUnit == (actor.Enterprise ?? "\u0000"));
        }
        else if (actor.Is(HotlineRoles.Handler) && !actor.SeesPersonalData && actor.Unit is not null)
        {
            q = q.Where(c => c.HandlingUnit == actor.Unit);
        }

        if (JsonNames.TryParse<CaseStatus>(filter.Status, out var status))
        {
            q = q.Where(c => c.Status == status);
        }
        else if (filter.Status == "open")
        {
            q = q.Where(c => c.Status == CaseStatus.Accepted || c.Status == CaseStatus.Dispatched || c.Status == CaseStatus.Handling ||
                             c.Status == CaseStatus.Replied || c.Status == CaseStatus.Returned || c.Status == CaseStatus.Suspended);
        }

        if (filter.Statuses is { Count: > 0 } statuses)
        {
            q = q.Where(c => statuses.Contains(c.Status));
        }

        if (filter.DueWithinDays is { } within)
        {
            var until = now.AddDays(within);
            q = q.Where(c => c.Deadline != null && c.Deadline >= now && c.Deadline <= until);
        }

        if (JsonNames.TryParse<CaseType>(filter.Type, out var type))
        {
            q = q.Where(c => c.Type == type);
        }

        if (!string.IsNullOrWhiteSpace(filter.HandlingUnit))
        {
            q = q.Where(c => c.HandlingUnit == filter.HandlingUnit);
        }

        if (filter.MajorOnly)
        {
            q = q.Where(c => c.Major);
        }

        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim();
            q = q.Where(c => c.CaseNumber == text || c.Description.Contains(text) || c.Title.Contains(text) ||
                             (c.Enterprise != null && c.Enterprise.Contains(text)) || (c.Plate != null && c.Plate.Contains(text)));
        }

        if (filter.OverdueOnly)
        {
            q = q.Where(c => c.Deadline != null && c.Deadline < now && (c.Status == CaseStatus.Accepted || c.Status == CaseStatus.Dispatched ||
                             c.Status == CaseStatus.Handling || c.Status == CaseStatus.Replied || c.Status == CaseStatus.Returned));
        }

        var total = await q.CountAsync(ct);
        var size = Math.Clamp(filter.PageSize, 1, 200);
        var page = Math.Max(1, filter.Page);
        var rows = filter.OverdueOnly || filter.DueWithinDays is not null
            ? await q.OrderBy(c => c.Deadline).Skip((page - 1) * size).Take(size).ToListAsync(ct)
            : await q.OrderByDescending(c => c.Id).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return (rows.Select(o => CaseViewMapper.ListItem(o, Visibility.ViewOf(actor, o), refs.Sla, now)).ToList(), total);
    }

    /// <summary>The statuses that wait for someone in the actor's role (我的待办).</summary>
    public static IReadOnlyList<CaseStatus> QueueOf(Actor actor)
    {
        var set = new HashSet<CaseStatus>();
        if (actor.Is(HotlineRoles.Agent))
        {
            set.UnionWith([CaseStatus.Accepted, CaseStatus.Returned, CaseStatus.Closed]);
        }

        if (actor.Is(HotlineRoles.Handler) || actor.Is(HotlineRoles.Enterprise))
        {
            set.UnionWith([CaseStatus.Dispatched, CaseStatus.Handling]);
        }

        if (actor.Is(HotlineRoles.Reviewer))
        {
            set.Add(CaseStatus.Replied);
        }

        if (actor.Is(HotlineRoles.TeamLead) || actor.Is(HotlineRoles.Administrator))
        {
            set.UnionWith([CaseStatus.Accepted, CaseStatus.Returned, CaseStatus.Replied, CaseStatus.Suspended]);
        }

        if (actor.Is(HotlineRoles.QualityInspector))
        {
            set.UnionWith([CaseStatus.Closed, CaseStatus.Visited]);
        }

        return [.. set];
    }

    /// <summary>Likely duplicates of a case, best first (查重).</summary>
    public async Task<Result<IReadOnlyList<DuplicateMatch>>> DuplicatesAsync(string caseNumber, Actor actor, CancellationToken ct)
    {
        var o = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (o is null || !Visibility.MayRead(actor, o) || actor.IsEnterpriseOnly)
        {
            return Error.NotFound("case.not_found", $"Case {caseNumber} was not found.");
        }

        var window = TimeSpan.FromDays(options.Value.DuplicateWindowDays);
        await indexer.CatchUpAsync(ct); // cases accepted a moment ago are listed too
        var found = duplicates.FindFor(caseNumber, window, options.Value.DuplicateThreshold, 20);
        return Result<IReadOnlyList<DuplicateMatch>>.Success(found);
    }

    /// <summary>An attachment's content, for viewers who may read the case; every download is audited.</summary>
    public async Task<Result<Cases.Attach.CaseAttachment>> AttachmentAsync(string caseNumber, long id, Actor actor, CancellationToken ct)
    {
        var o = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        var a = o is null ? null : await db.Attachments.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.CaseId == o.Id, ct);
        if (o is null || a is null || !Visibility.MayRead(actor, o))
        {
            return Error.NotFound("attachment.not_found", "No such attachment.");
        }

        CaseLog.Audit(db, actor, clock.GetUtcNow(), "attachment.read", caseNumber, $"{a.Id} {a.FileName}");
        await db.SaveChangesAsync(ct);
        return a;
    }

    /// <summary>The audit trail of one case (administrators and quality inspectors).</summary>
    public async Task<IReadOnlyList<AuditRecord>> AuditAsync(string caseNumber, CancellationToken ct) =>
        await db.Audit.AsNoTracking().Where(a => a.CaseNumber == caseNumber).OrderBy(a => a.Id).ToListAsync(ct);
}
