using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Get;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Hotline.Ticketing.Cases.Detail;

/// <summary>
/// 上级调阅: a superior node reads a case of this city on demand (federation gRPC). Personal data stays here: the phone is
/// masked (a confidential case shows "（保密）"), the name and recording are never given. Every read — also of an unknown
/// case — is audited (<c>case.read.superior</c>) with the requesting node and user, the reason and the route.
/// </summary>
internal sealed partial class ReadCaseDetailHandler(
    TicketingDbContext db,
    TimeProvider clock,
    ILogger<ReadCaseDetailHandler> logger) : ICaseDetailSource
{
    public const string AuditAction = "case.read.superior";

    public async Task<Result<CaseDetail>> ReadAsync(CaseDetailRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var number = (request.CaseNumber ?? string.Empty).Trim();
        var requester = RegionCode.IsValid(request.RequestedByNode) ? request.RequestedByNode : "unknown";
        var user = string.IsNullOrWhiteSpace(request.RequestedByUser) ? "?" : request.RequestedByUser.Trim();
        var actor = new Actor($"node:{requester}/{Clip(user, 80)}", [HotlineRoles.Node], null, null, null);
        var route = string.Join(" → ", request.Via ?? []);
        var order = number.Length is 0 or > 40
            ? null
            : await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.CaseNumber == number, ct);
        var detail = $"上级调阅 by {requester}/{Clip(user, 80)} via {route}; reason: {Clip(request.Reason, 200)}"
                     + (order is null ? " (no such case)" : string.Empty);
        CaseLog.Audit(db, actor, clock.GetUtcNow(), AuditAction, Clip(number, 40), detail);
        await db.SaveChangesAsync(ct);
        LogRead(logger, number, requester, user, order is not null);
        if (order is null)
        {
            return Error.NotFound("case.not_found", $"Case {number} does not exist at this city.");
        }

        var events = await db.Events.AsNoTracking().Where(e => e.CaseId == order.Id).OrderBy(e => e.Id).ToListAsync(ct);
        var timeline = events.Select(e => new CaseDetailEvent(e.At, e.Kind, e.ToStatus is { } s ? StatusText.Json(s) : null,
            e.ToStatus is { } z ? StatusText.Zh(z) : CaseViewMapper.KindText(e.Kind), e.Comment, e.Actor)).ToList();
        var caller = order.Confidential ? "（保密）" : Masking.Phone(order.CallerPhone);
        return new CaseDetail(order.CaseNumber, order.Type, order.Category, order.Channel, StatusText.Json(order.Status),
            StatusText.Zh(order.Status), order.Title, order.Description, caller, order.Location, order.AcceptedAt, order.Deadline,
            order.HandlingUnit, order.Major, order.ReplyText, order.Source, timeline);
    }

    private static string Clip(string? text, int max)
    {
        var t = (text ?? string.Empty).Trim();
        return t.Length > max ? t[..max] : t;
    }

    [LoggerMessage(EventId = 3042, Level = LogLevel.Information, Message = "Case {CaseNumber}: detail read by superior {Node}/{User} (found: {Found}; audited)")]
    private static partial void LogRead(ILogger logger, string caseNumber, string node, string user, bool found);
}
