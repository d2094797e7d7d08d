using Hotline.SharedKernel;
using Hotline.Ticketing.Cases.Act;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Hotline.Ticketing.Cases.Supervise;

/// <summary>
/// 上级督办: records a 催办/督办/通报 from the node that assigned (交办) or transferred (转办) a case here. The notice finds
/// the local case by its <see cref="ExternalReference"/>, counts on the case (the handler's queue shows the badge), leaves a
/// history line and an audit record in one transaction, and is recorded once per NoticeId (at-least-once delivery).
/// </summary>
internal sealed partial class RecordSupervisionHandler(
    TicketingDbContext db,
    TimeProvider clock,
    ILogger<RecordSupervisionHandler> logger) : ICaseSupervision
{
    public async Task<Result<Unit>> RecordAsync(SupervisionNotice notice, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var invalid = Validate(notice);
        if (invalid is not null)
        {
            return invalid;
        }

        if (await db.SupervisionNotices.AsNoTracking().AnyAsync(n => n.NoticeId == notice.NoticeId, ct))
        {
            return Result.Ok();
        }

        var src = notice.Source;
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        if (await db.SupervisionNotices.AsNoTracking().AnyAsync(n => n.NoticeId == notice.NoticeId, ct))
        {
            return Result.Ok();
        }

        var order = await db.Cases.FirstOrDefaultAsync(c => c.SourceNode == src.OriginNode && c.SourceCaseNumber == src.OriginCaseNumber, ct);
        if (order is null)
        {
            return Error.NotFound("case.source_not_found",
                $"No case on this node came from {src.OriginNode}/{src.OriginCaseNumber} (source).");
        }

        var now = clock.GetUtcNow();
        var text = notice.Text.Trim();
        db.SupervisionNotices.Add(new SupervisionNoticeRow
        {
            NoticeId = notice.NoticeId, CaseNumber = order.CaseNumber, FromNode = notice.FromNode, Kind = notice.Kind,
            Text = text.Length > 2000 ? text[..2000] : text, At = notice.At,
        });
        var actor = Actor.System with { Id = "node:" + notice.FromNode };
        TakeActionHandler.Remind(db, order, notice.Kind, $"（{notice.FromNode}）{text}", actor, now, toFeed: false);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        LogRecorded(logger, order.CaseNumber, notice.Kind, notice.FromNode, notice.NoticeId);
        return Result.Ok();
    }

    internal static Error? Validate(SupervisionNotice n)
    {
        var fields = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(n.NoticeId) || n.NoticeId.Length > 200)
        {
            fields["noticeId"] = ["Required, at most 200 characters."];
        }

        if (n.Kind is not (SupervisionKinds.Urged or SupervisionKinds.Supervised or SupervisionKinds.Notified))
        {
            fields["kind"] = [$"'{n.Kind}' is not urged, supervised or notified."];
        }

        if (n.Source is null || !RegionCode.IsValid(n.Source.OriginNode) || string.IsNullOrWhiteSpace(n.Source.OriginCaseNumber))
        {
            fields["source"] = ["Origin node (region code) and origin case number are required."];
        }

        if (!RegionCode.IsValid(n.FromNode))
        {
            fields["fromNode"] = ["Must be a 6-digit region code."];
        }

        if (n.Text is null)
        {
            fields["text"] = ["Required (may be empty)."];
        }

        return fields.Count > 0 ? Error.Validation(fields) : null;
    }

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "Case {CaseNumber}: {Kind} from {FromNode} recorded (notice {NoticeId})")]
    private static partial void LogRecorded(ILogger logger, string caseNumber, string kind, string fromNode, string noticeId);
}
