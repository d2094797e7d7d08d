using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;

namespace Hotline.Ticketing.Domain;

/// <summary>What an action carries: the unit for 派单/改派, a reason, a reply text, a satisfaction, days, a target node…</summary>
internal sealed record ActionInput(
    string? Unit = null,
    bool UnitIsEnterprise = false,
    string? Reason = null,
    string? Text = null,
    Satisfaction? Satisfaction = null,
    int? Days = null,
    string? TargetNode = null,
    string? MasterCaseNumber = null,
    bool DiscloseToEnterprise = false);

/// <summary>The outcome of an allowed transition.</summary>
internal sealed record Transition(CaseAction Action, CaseStatus From, CaseStatus To, string? Comment);

/// <summary>
/// The explicit work-order state machine. The table says which action is possible in which state; guards check the
/// input and the case. An action that is not in the table, or fails a guard, is refused with a Conflict/Invalid error and
/// the case is left untouched.
/// </summary>
internal static class CaseStateMachine
{
    private static readonly Dictionary<(CaseStatus, CaseAction), CaseStatus?> Table = new()
    {
        [(CaseStatus.Accepted, CaseAction.Dispatch)] = CaseStatus.Dispatched,
        [(CaseStatus.Accepted, CaseAction.AnswerImmediately)] = CaseStatus.Closed,
        [(CaseStatus.Accepted, CaseAction.Suspend)] = CaseStatus.Suspended,
        [(CaseStatus.Accepted, CaseAction.TransferOut)] = CaseStatus.TransferredOut,
        [(CaseStatus.Accepted, CaseAction.Merge)] = CaseStatus.Merged,

        [(CaseStatus.Dispatched, CaseAction.Reassign)] = CaseStatus.Dispatched,
        [(CaseStatus.Dispatched, CaseAction.Receive)] = CaseStatus.Handling,
        [(CaseStatus.Dispatched, CaseAction.Return)] = CaseStatus.Returned,
        [(CaseStatus.Dispatched, CaseAction.Suspend)] = CaseStatus.Suspended,
        [(CaseStatus.Dispatched, CaseAction.Merge)] = CaseStatus.Merged,

        [(CaseStatus.Handling, CaseAction.Reassign)] = CaseStatus.Dispatched,
        [(CaseStatus.Handling, CaseAction.Return)] = CaseStatus.Returned,
        [(CaseStatus.Handling, CaseAction.Reply)] = CaseStatus.Replied,
        [(CaseStatus.Handling, CaseAction.Suspend)] = CaseStatus.Suspended,
        [(CaseStatus.Handling, CaseAction.RequestExtension)] = CaseStatus.Handling,
        [(CaseStatus.Handling, CaseAction.ApproveExtension)] = CaseStatus.Handling,
        [(CaseStatus.Handling, CaseAction.RejectExtension)] = CaseStatus.Handling,
        [(CaseStatus.Handling, CaseAction.Merge)] = CaseStatus.Merged,

        [(CaseStatus.Replied, CaseAction.ApproveReply)] = CaseStatus.Closed,
        [(CaseStatus.Replied, CaseAction.RejectReply)] = CaseStatus.Handling,

        // null: the target depends on the input (satisfied → Visited, dissatisfied → 重办).
        [(CaseStatus.Closed, CaseAction.ReturnVisit)] = null,
        [(CaseStatus.Closed, CaseAction.Archive)] = CaseStatus.Archived,
        [(CaseStatus.Visited, CaseAction.Archive)] = CaseStatus.Archived,

        [(CaseStatus.Returned, CaseAction.Dispatch)] = CaseStatus.Dispatched,
        [(CaseStatus.Returned, CaseAction.Reassign)] = CaseStatus.Dispatched,
        [(CaseStatus.Returned, CaseAction.TransferOut)] = CaseStatus.TransferredOut,
        [(CaseStatus.Returned, CaseAction.Merge)] = CaseStatus.Merged,

        [(CaseStatus.Suspended, CaseAction.Resume)] = null,
        [(CaseStatus.Merged, CaseAction.Unmerge)] = null,
    };

    /// <summary>Roles that may take each action (administrators may take every action).</summary>
    private static readonly Dictionary<CaseAction, string[]> Roles = new()
    {
        [CaseAction.Dispatch] = [HotlineRoles.Agent, HotlineRoles.TeamLead],
        [CaseAction.Reassign] = [HotlineRoles.Agent, HotlineRoles.TeamLead],
        [CaseAction.Receive] = [HotlineRoles.Handler, HotlineRoles.Enterprise, HotlineRoles.TeamLead],
        [CaseAction.Return] = [HotlineRoles.Handler, HotlineRoles.Enterprise, HotlineRoles.TeamLead],
        [CaseAction.Reply] = [HotlineRoles.Handler, HotlineRoles.Enterprise, HotlineRoles.TeamLead],
        [CaseAction.ApproveReply] = [HotlineRoles.Reviewer, HotlineRoles.TeamLead],
        [CaseAction.RejectReply] = [HotlineRoles.Reviewer, HotlineRoles.TeamLead],
        [CaseAction.AnswerImmediately] = [HotlineRoles.Agent, HotlineRoles.TeamLead],
        [CaseAction.ReturnVisit] = [HotlineRoles.Agent, HotlineRoles.QualityInspector, HotlineRoles.TeamLead],
        [CaseAction.Archive] = [HotlineRoles.Agent, HotlineRoles.QualityInspector, HotlineRoles.TeamLead],
        [CaseAction.Suspend] = [HotlineRoles.TeamLead],
        [CaseAction.Resume] = [HotlineRoles.TeamLead],
        [CaseAction.RequestExtension] = [HotlineRoles.Handler, HotlineRoles.Enterprise, HotlineRoles.TeamLead],
        [CaseAction.ApproveExtension] = [HotlineRoles.TeamLead],
        [CaseAction.RejectExtension] = [HotlineRoles.TeamLead],
        [CaseAction.TransferOut] = [HotlineRoles.Agent, HotlineRoles.TeamLead],
        [CaseAction.Merge] = [HotlineRoles.Agent, HotlineRoles.TeamLead],
        [CaseAction.Unmerge] = [HotlineRoles.Agent, HotlineRoles.TeamLead],
    };

    /// <summary>The actions the table allows in <paramref name="status"/> (before guards), for the action forms.</summary>
    public static IReadOnlyList<CaseAction> ActionsIn(CaseStatus status) =>
        Table.Keys.Where(k => k.Item1 == status).Select(k => k.Item2).ToList();

    public static bool RoleMayTake(CaseAction action, IReadOnlyCollection<string> roles) =>
        roles.Contains(HotlineRoles.Administrator) || Roles[action].Any(roles.Contains);

    /// <summary>Checks the transition and, when allowed, applies it to <paramref name="order"/>.</summary>
    public static Result<Transition> Apply(WorkOrder order, CaseAction action, ActionInput input, DateTimeOffset now,
        WorkingCalendar calendar, string thisNode)
    {
        var from = order.Status;
        if (!Table.TryGetValue((from, action), out var fixedTarget))
        {
            return Error.Conflict("transition.refused",
                $"Action '{action}' is not possible while the case is {from} ({StatusText.Zh(from)}).");
        }

        var guard = Guard(order, action, input, now, thisNode);
        if (guard is not null)
        {
            return guard;
        }

        var to = fixedTarget ?? action switch
        {
            CaseAction.ReturnVisit when input.Satisfaction == Domain.Satisfaction.Dissatisfied =>
                order.HandlingUnit is null ? CaseStatus.Accepted : CaseStatus.Handling,
            CaseAction.ReturnVisit => CaseStatus.Visited,
            _ => order.ResumeStatus ?? CaseStatus.Accepted,
        };

        string? comment = input.Reason ?? input.Text;
        switch (action)
        {
            case CaseAction.Dispatch:
            case CaseAction.Reassign:
                comment = input.Reason is null ? input.Unit : $"{input.Unit}：{input.Reason}";
                order.HandlingUnit = input.Unit!.Trim();
                order.HandledByEnterprise = input.UnitIsEnterprise;
                order.DiscloseToEnterprise = input.UnitIsEnterprise && input.DiscloseToEnterprise && !order.Confidential;
                order.PendingExtensionDays = null;
                order.PendingExtensionReason = null;
                break;
            case CaseAction.Reply:
            case CaseAction.AnswerImmediately:
                order.ReplyText = input.Text;
                break;
            case CaseAction.ApproveReply:
                comment = input.Text ?? "审核通过";
                break;
            case CaseAction.ReturnVisit:
                order.Satisfaction = input.Satisfaction;
                comment = $"{SatisfactionText(input.Satisfaction!.Value)}{(input.Text is null ? "" : "：" + input.Text)}";
                if (to != CaseStatus.Visited)
                {
                    order.ClosedAt = null;
                    order.ReplyText = null;
                }

                break;
            case CaseAction.Suspend:
            case CaseAction.Merge:
                order.ResumeStatus = from;
                if (action == CaseAction.Merge)
                {
                    order.MasterCaseNumber = input.MasterCaseNumber;
                    comment = input.MasterCaseNumber;
                }

                break;
            case CaseAction.Resume:
            case CaseAction.Unmerge:
                order.ResumeStatus = null;
                order.MasterCaseNumber = null;
                break;
            case CaseAction.RequestExtension:
                order.PendingExtensionDays = input.Days;
                order.PendingExtensionReason = input.Reason;
                comment = $"申请延期 {input.Days} 个工作日：{input.Reason}";
                break;
            case CaseAction.ApproveExtension:
                var baseline = order.Deadline ?? now;
                order.Deadline = calendar.AddWorkingDays(baseline, order.PendingExtensionDays!.Value);
                comment = $"同意延期 {order.PendingExtensionDays} 个工作日，新时限 {order.Deadline.Value.ToOffset(WorkingCalendar.ChinaOffset):yyyy-MM-dd HH:mm}";
                order.PendingExtensionDays = null;
                order.PendingExtensionReason = null;
                break;
            case CaseAction.RejectExtension:
                comment = "不同意延期" + (input.Reason is null ? "" : "：" + input.Reason);
                order.PendingExtensionDays = null;
                order.PendingExtensionReason = null;
                break;
            case CaseAction.TransferOut:
                order.TransferTarget = input.TargetNode;
                comment = TransferNote.Format(input.TargetNode!, input.Reason!);
                break;
            default:
                break;
        }

        if (to == CaseStatus.Closed)
        {
            order.ClosedAt = now;
        }

        order.Status = to;
        order.Version++;
        return new Transition(action, from, to, comment);
    }

    private static Error? Guard(WorkOrder order, CaseAction action, ActionInput input, DateTimeOffset now, string thisNode)
    {
        var fields = new Dictionary<string, string[]>();
        void Need(bool ok, string field, string message)
        {
            if (!ok)
            {
                fields[field] = [message];
            }
        }

        switch (action)
        {
            case CaseAction.Dispatch:
            case CaseAction.Reassign:
                Need(!string.IsNullOrWhiteSpace(input.Unit) && input.Unit.Length <= 100, "unit", "A handling unit (at most 100 characters) is required.");
                if (action == CaseAction.Reassign)
                {
                    Need(!string.IsNullOrWhiteSpace(input.Reason), "reason", "改派 needs a reason.");
                }

                break;
            case CaseAction.Return:
            case CaseAction.Suspend:
            case CaseAction.RequestExtension:
                Need(!string.IsNullOrWhiteSpace(input.Reason), "reason", "A reason is required.");
                if (action == CaseAction.RequestExtension)
                {
                    Need(input.Days is >= 1 and <= 30, "days", "Days must be between 1 and 30 working days.");
                    if (order.PendingExtensionDays is not null)
                    {
                        return Error.Conflict("extension.pending", "An extension request is already waiting for approval.");
                    }

                    if (order.Deadline is { } d && d < now)
                    {
                        return Error.Conflict("extension.late", "An extension must be requested before the deadline.");
                    }
                }

                break;
            case CaseAction.Reply:
            case CaseAction.AnswerImmediately:
                Need(!string.IsNullOrWhiteSpace(input.Text), "text", "The reply text is required.");
                if (action == CaseAction.AnswerImmediately && order.Type is not (CaseType.Inquiry or CaseType.Help or CaseType.Praise or CaseType.Suggestion))
                {
                    return Error.Conflict("transition.guard", "Only inquiries, help requests, suggestions and praise can be answered at once; complaints and reports must be dispatched.");
                }

                break;
            case CaseAction.RejectReply:
                Need(!string.IsNullOrWhiteSpace(input.Reason), "reason", "Say why the reply is sent back.");
                break;
            case CaseAction.ReturnVisit:
                Need(input.Satisfaction is not null, "satisfaction", "Satisfaction is required (satisfied, basicallySatisfied, dissatisfied).");
                break;
            case CaseAction.ApproveExtension:
            case CaseAction.RejectExtension:
                if (order.PendingExtensionDays is null)
                {
                    return Error.Conflict("extension.none", "There is no extension request to decide.");
                }

                break;
            case CaseAction.TransferOut:
                Need(RegionCode.IsValid(input.TargetNode) && input.TargetNode != thisNode, "targetNode", "The target node must be another node's 6-digit region code.");
                Need(!string.IsNullOrWhiteSpace(input.Reason), "reason", "转办 needs a reason.");
                break;
            case CaseAction.Merge:
                Need(!string.IsNullOrWhiteSpace(input.MasterCaseNumber) && input.MasterCaseNumber != order.CaseNumber,
                    "masterCaseNumber", "The master case must be another case.");
                break;
            default:
                break;
        }

        return fields.Count > 0 ? Error.Validation(fields) : null;
    }

    public static string SatisfactionText(Satisfaction s) => s switch
    {
        Domain.Satisfaction.Satisfied => "满意",
        Domain.Satisfaction.BasicallySatisfied => "基本满意",
        _ => "不满意（重办）",
    };
}

/// <summary>Display names of statuses and actions (zh-CN, with English for en-US).</summary>
/// <summary>
/// How a 转办 is written on the case's history line and feed row (stored text, internal to ticketing): the target node and
/// the reason. The feed contract never exposes this text; it carries <see cref="TransferTarget"/> instead.
/// </summary>
internal static class TransferNote
{
    private const char Separator = '|';

    public static string Format(string targetNode, string reason) => targetNode + Separator + reason;

    /// <summary>The note's target and reason; a note without a separator is a bare target.</summary>
    public static TransferTarget Parse(string note)
    {
        var bar = note.IndexOf(Separator, StringComparison.Ordinal);
        return bar < 0 ? new TransferTarget(note.Trim(), string.Empty) : new TransferTarget(note[..bar].Trim(), note[(bar + 1)..]);
    }

    /// <summary>The prefix of every note for <paramref name="targetNode"/> (to find the latest 转办 there).</summary>
    public static string PrefixFor(string targetNode) => targetNode + Separator;
}

internal static class StatusText
{
    public static string Zh(CaseStatus s) => s switch
    {
        CaseStatus.Accepted => "已受理",
        CaseStatus.Dispatched => "已派单",
        CaseStatus.Handling => "办理中",
        CaseStatus.Replied => "已答复待审核",
        CaseStatus.Closed => "已办结",
        CaseStatus.Visited => "已回访",
        CaseStatus.Archived => "已归档",
        CaseStatus.Returned => "已退单",
        CaseStatus.Suspended => "已挂起",
        CaseStatus.TransferredOut => "已转办",
        CaseStatus.Merged => "已并案",
        _ => s.ToString(),
    };

    public static string Zh(CaseAction a) => a switch
    {
        CaseAction.Dispatch => "派单",
        CaseAction.Reassign => "改派",
        CaseAction.Receive => "签收",
        CaseAction.Return => "退单",
        CaseAction.Reply => "答复",
        CaseAction.ApproveReply => "审核通过",
        CaseAction.RejectReply => "审核退回",
        CaseAction.AnswerImmediately => "即时答复",
        CaseAction.ReturnVisit => "回访",
        CaseAction.Archive => "归档",
        CaseAction.Suspend => "挂起",
        CaseAction.Resume => "恢复",
        CaseAction.RequestExtension => "申请延期",
        CaseAction.ApproveExtension => "同意延期",
        CaseAction.RejectExtension => "不同意延期",
        CaseAction.TransferOut => "转办",
        CaseAction.Merge => "并案",
        CaseAction.Unmerge => "取消并案",
        _ => a.ToString(),
    };

    public static string Json(CaseStatus s) => JsonNames.Camel(s.ToString());
}

/// <summary>camelCase names for enums in JSON.</summary>
internal static class JsonNames
{
    public static string Camel(string name) => string.Concat(name[..1].ToLowerInvariant(), name.AsSpan(1));

    public static bool TryParse<TEnum>(string? value, out TEnum result)
        where TEnum : struct, Enum
    {
        result = default;
        return !string.IsNullOrWhiteSpace(value) && !int.TryParse(value, out _) &&
               Enum.TryParse(value.Trim(), ignoreCase: true, out result) && Enum.IsDefined(result);
    }
}
