using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;
using Hotline.Ticketing.Duplicates;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Cases.Act;

/// <summary>Take an action on a case: one guarded transition of the state machine.</summary>
internal sealed record TakeAction(string CaseNumber, CaseAction Action, ActionInput Input);

/// <summary>
/// Runs one action: checks the actor may see the case and take the action, applies the transition, and writes the
/// change, its timeline event, feed entry and audit record in one transaction (optimistic concurrency on the case).
/// Also: 重大投诉 flag, 催办 and 督办 (no state change, visible history).
/// </summary>
internal sealed partial class TakeActionHandler(
    TicketingDbContext db,
    ReferenceData reference,
    DuplicateIndex duplicates,
    DuplicateIndexer indexer,
    IOptions<NodeOptions> node,
    TimeProvider clock,
    ILogger<TakeActionHandler> logger)
{
    public async Task<Result<WorkOrder>> HandleAsync(TakeAction command, Actor actor, CancellationToken ct)
    {
        if (!CaseStateMachine.RoleMayTake(command.Action, actor.Roles))
        {
            return Error.Forbidden("action.forbidden", $"Your role may not {command.Action} ({StatusText.Zh(command.Action)}).");
        }

        var refs = await reference.GetAsync(ct);
        var now = clock.GetUtcNow();
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        var order = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == command.CaseNumber, ct);
        if (order is null || !Visibility.MayAct(actor, order))
        {
            return Error.NotFound("case.not_found", $"Case {command.CaseNumber} was not found.");
        }

        WorkOrder? master = null;
        if (command.Action == CaseAction.Merge && !string.IsNullOrWhiteSpace(command.Input.MasterCaseNumber))
        {
            master = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == command.Input.MasterCaseNumber, ct);
            if (master is { Status: CaseStatus.Merged })
            {
                return Error.Conflict("merge.chain", $"The master case is itself merged into {master.MasterCaseNumber}; merge into that one instead.");
            }

            if (master is null || !master.IsOpen)
            {
                return Error.Invalid("merge.master", $"Master case {command.Input.MasterCaseNumber} does not exist or is no longer open.");
            }
        }

        var previousMaster = order.MasterCaseNumber;
        var result = CaseStateMachine.Apply(order, command.Action, command.Input, now, refs.Calendar, node.Value.Id);
        if (!result.IsSuccess)
        {
            return result.Error!;
        }

        var t = result.Value;
        var feedEvent = command.Action switch
        {
            CaseAction.TransferOut => CaseFeedEvents.TransferredOut,
            CaseAction.Merge => CaseFeedEvents.Merged,
            CaseAction.Unmerge => CaseFeedEvents.Unmerged,
            CaseAction.ApproveExtension => CaseFeedEvents.DeadlineExtended,
            _ when t.From != t.To => CaseFeedEvents.StatusChanged,
            _ => null,
        };
        // The citizen's timeline shows progress, not internal routing: returns, reassignments, suspensions, transfers,
        // merges, reviews and extension requests stay internal (their reasons may name units or people).
        var isPublic = command.Action is CaseAction.Dispatch or CaseAction.Receive or CaseAction.ApproveReply or CaseAction.AnswerImmediately
            or CaseAction.ReturnVisit or CaseAction.Archive or CaseAction.Resume or CaseAction.ApproveExtension;
        var comment = command.Action is CaseAction.ApproveReply or CaseAction.AnswerImmediately ? order.ReplyText : t.Comment;
        CaseLog.Record(db, order, actor, now, JsonNames.Camel(command.Action.ToString()), t.From, t.To, comment, isPublic, feedEvent, t.Comment);

        if (master is not null)
        {
            CaseLog.Record(db, master, actor, now, "mergedFrom", null, null, order.CaseNumber, false, null);
        }

        if (command.Action == CaseAction.Unmerge)
        {
            var formerMaster = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == previousMaster, ct);
            if (formerMaster is not null)
            {
                CaseLog.Record(db, formerMaster, actor, now, "unmergedFrom", null, null, order.CaseNumber, false, null);
            }
        }

        if (t.To == CaseStatus.Closed)
        {
            // Tell the citizen the result, and every reporter whose case was merged into this one (查重并案).
            CaseLog.AddFeed(db, order, now, CaseFeedEvents.CitizenNotified, order.ReplyText);
            var merged = await db.Cases.Where(c => c.MasterCaseNumber == order.CaseNumber && c.Status == CaseStatus.Merged).ToListAsync(ct);
            foreach (var child in merged)
            {
                child.ReplyText = order.ReplyText;
                CaseLog.Record(db, child, actor, now, "resultNotified", null, null, $"并案主件 {order.CaseNumber} 已办结：{order.ReplyText}", true,
                    CaseFeedEvents.CitizenNotified, order.ReplyText);
            }
        }

        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Error.Conflict("case.concurrent", "The case was changed by someone else; reload and try again.");
        }

        if (command.Action is CaseAction.Merge or CaseAction.Unmerge)
        {
            await indexer.CatchUpAsync(CancellationToken.None); // the case may still wait to be indexed
        }

        if (command.Action == CaseAction.Merge)
        {
            duplicates.SetHidden(order.CaseNumber, true);
        }
        else if (command.Action == CaseAction.Unmerge)
        {
            duplicates.SetHidden(order.CaseNumber, false);
        }

        LogTransition(logger, order.CaseNumber, command.Action, t.From, t.To, actor.Id);
        return order;
    }

    /// <summary>重大投诉 manual flag (or un-flag). Raises <c>majorFlagged</c> on the feed.</summary>
    public async Task<Result<WorkOrder>> FlagMajorAsync(string caseNumber, string reason, Actor actor, CancellationToken ct)
    {
        if (!actor.Roles.Any(r => r is HotlineRoles.Agent or HotlineRoles.TeamLead or HotlineRoles.Administrator))
        {
            return Error.Forbidden("action.forbidden", "Only agents, team leads and administrators flag major complaints.");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["reason"] = ["A reason is required."] });
        }

        var now = clock.GetUtcNow();
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        var order = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (order is null || !Visibility.MayRead(actor, order))
        {
            return Error.NotFound("case.not_found", $"Case {caseNumber} was not found.");
        }

        if (order.Major)
        {
            return Error.Conflict("major.already", "The case is already flagged major.");
        }

        order.Major = true;
        order.MajorReason = "人工标记：" + reason.Trim();
        order.Version++;
        CaseLog.Record(db, order, actor, now, "majorFlagged", null, null, order.MajorReason, false, CaseFeedEvents.MajorFlagged);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        LogMajor(logger, caseNumber, order.MajorReason);
        return order;
    }

    /// <summary>催办 (urge) or 督办 (supervise) an open case: a visible history entry and a feed event, no state change.</summary>
    public async Task<Result<WorkOrder>> RemindAsync(string caseNumber, bool supervise, string? text, Actor actor, CancellationToken ct)
    {
        if (!actor.Roles.Any(r => r is HotlineRoles.TeamLead or HotlineRoles.Administrator or HotlineRoles.Officer))
        {
            return Error.Forbidden("action.forbidden", "Only team leads, officers and administrators urge or supervise.");
        }

        var now = clock.GetUtcNow();
        await using var tx = await SchemaMigrator.BeginCaseWriteAsync(db, ct);
        var order = await db.Cases.FirstOrDefaultAsync(c => c.CaseNumber == caseNumber, ct);
        if (order is null)
        {
            return Error.NotFound("case.not_found", $"Case {caseNumber} was not found.");
        }

        if (!order.IsOpen)
        {
            return Error.Conflict("transition.refused", $"A {StatusText.Zh(order.Status)} case cannot be urged or supervised.");
        }

        Remind(db, order, supervise, text, actor, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return order;
    }

    internal static void Remind(TicketingDbContext db, WorkOrder order, bool supervise, string? text, Actor actor, DateTimeOffset now) =>
        Remind(db, order, supervise ? SupervisionKinds.Supervised : SupervisionKinds.Urged, text, actor, now, toFeed: true);

    /// <summary>
    /// Counts one 催办/督办/通报 (<see cref="SupervisionKinds"/>) on the case and writes its history line and audit record;
    /// <paramref name="toFeed"/> also puts it on the case feed (reminders raised here; not those received from above).
    /// </summary>
    internal static void Remind(TicketingDbContext db, WorkOrder order, string kind, string? text, Actor actor, DateTimeOffset now, bool toFeed)
    {
        string label;
        string? feed;
        switch (kind)
        {
            case SupervisionKinds.Supervised:
                order.SuperviseCount++;
                (label, feed) = ("督办", CaseFeedEvents.Supervised);
                break;
            case SupervisionKinds.Notified:
                order.NotifyCount++;
                (label, feed) = ("通报", CaseFeedEvents.Notified);
                break;
            default:
                order.UrgeCount++;
                (label, feed) = ("催办", CaseFeedEvents.Urged);
                break;
        }

        order.Version++;
        var comment = label + (string.IsNullOrWhiteSpace(text) ? "" : "：" + text.Trim());
        CaseLog.Record(db, order, actor, now, kind, null, null, comment, false, toFeed ? feed : null);
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Case {CaseNumber}: {Action} {From} → {To} by {Actor}")]
    private static partial void LogTransition(ILogger logger, string caseNumber, CaseAction action, CaseStatus from, CaseStatus to, string actor);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Case {CaseNumber} flagged major: {Reason}")]
    private static partial void LogMajor(ILogger logger, string caseNumber, string reason);
}
