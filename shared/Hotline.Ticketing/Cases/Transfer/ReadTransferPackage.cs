using Hotline.SharedKernel;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Hotline.Ticketing.Cases.Transfer;

/// <summary>
/// 转办内容: the full content of a case this city transferred out, for the federation to carry to the target node. Only a
/// case with a 转办 to that target is served (NotFound otherwise, whatever the reason), and every read is audited as a read
/// of personal data by the actor <c>federation</c>.
/// </summary>
internal sealed partial class ReadTransferPackageHandler(
    TicketingDbContext db,
    TimeProvider clock,
    ILogger<ReadTransferPackageHandler> logger) : ICaseTransferSource
{
    internal static readonly Actor Federation = new("federation", [], null, null, null);

    public async Task<Result<TransferPackage>> ReadAsync(string caseNumber, string targetNode, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(caseNumber) || !RegionCode.IsValid(targetNode))
        {
            return NotFound(caseNumber, targetNode);
        }

        var order = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (order is null)
        {
            return NotFound(caseNumber, targetNode);
        }

        // The transferOut history line carries the target and the reason (TransferNote); the latest one to this target wins.
        var prefix = TransferNote.PrefixFor(targetNode);
        var transfer = await db.Events.AsNoTracking()
            .Where(e => e.CaseId == order.Id && e.Kind == "transferOut" && e.Comment != null && e.Comment.StartsWith(prefix))
            .OrderByDescending(e => e.Id).FirstOrDefaultAsync(ct);
        if (transfer is null)
        {
            return NotFound(caseNumber, targetNode);
        }

        CaseLog.Audit(db, Federation, clock.GetUtcNow(), "pii.read", order.CaseNumber, $"转办内容 read for {targetNode} (caller phone and name)");
        await db.SaveChangesAsync(ct);
        LogRead(logger, order.CaseNumber, targetNode);
        return new TransferPackage(order.CaseNumber, targetNode, TransferNote.Parse(transfer.Comment!).Reason, order.Type, order.Category,
            order.Description, order.CallerPhone, order.CallerName, order.Confidential, order.Enterprise, order.Location,
            order.OccurredAt, order.AcceptedAt, order.Deadline);
    }

    private static Error NotFound(string caseNumber, string targetNode) =>
        Error.NotFound("transfer.not_found", $"Case {caseNumber} was not transferred to {targetNode}.");

    [LoggerMessage(EventId = 3041, Level = LogLevel.Information, Message = "Case {CaseNumber}: transfer content read for {TargetNode} (audited)")]
    private static partial void LogRead(ILogger logger, string caseNumber, string targetNode);
}
