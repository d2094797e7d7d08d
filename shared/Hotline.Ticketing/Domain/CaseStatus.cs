namespace Hotline.Ticketing.Domain;

/// <summary>Where a work order stands in the JT/T 1019.1 life cycle. 工单状态</summary>
internal enum CaseStatus
{
    /// <summary>已受理: accepted, not yet dispatched.</summary>
    Accepted,
    /// <summary>已派单: dispatched to a handling unit (department or enterprise), not yet signed for.</summary>
    Dispatched,
    /// <summary>办理中: the unit is handling it (also 重办 after a dissatisfied return visit).</summary>
    Handling,
    /// <summary>已答复/待审核: the unit replied; a reviewer checks the reply.</summary>
    Replied,
    /// <summary>已办结</summary>
    Closed,
    /// <summary>已回访</summary>
    Visited,
    /// <summary>已归档</summary>
    Archived,
    /// <summary>已退单: the unit returned it with a reason (wrong assignee).</summary>
    Returned,
    /// <summary>已挂起</summary>
    Suspended,
    /// <summary>已转办: sent to another node, which now handles it.</summary>
    TransferredOut,
    /// <summary>已并案: merged into a master case.</summary>
    Merged,
}

/// <summary>What someone does to a case. Each action is one guarded transition of the state machine.</summary>
internal enum CaseAction
{
    /// <summary>派单</summary>
    Dispatch,
    /// <summary>改派</summary>
    Reassign,
    /// <summary>签收</summary>
    Receive,
    /// <summary>退单</summary>
    Return,
    /// <summary>答复</summary>
    Reply,
    /// <summary>审核通过</summary>
    ApproveReply,
    /// <summary>审核退回</summary>
    RejectReply,
    /// <summary>即时答复 (inquiries and help requests only)</summary>
    AnswerImmediately,
    /// <summary>回访: satisfied / basically satisfied → visited; dissatisfied → 重办</summary>
    ReturnVisit,
    /// <summary>归档</summary>
    Archive,
    /// <summary>挂起</summary>
    Suspend,
    /// <summary>恢复</summary>
    Resume,
    /// <summary>延期申请</summary>
    RequestExtension,
    /// <summary>延期审批 (approve)</summary>
    ApproveExtension,
    /// <summary>延期审批 (reject)</summary>
    RejectExtension,
    /// <summary>转办 to another node</summary>
    TransferOut,
    /// <summary>并案 into a master</summary>
    Merge,
    /// <summary>取消并案</summary>
    Unmerge,
}

/// <summary>回访满意度</summary>
internal enum Satisfaction
{
    /// <summary>满意</summary>
    Satisfied,
    /// <summary>基本满意</summary>
    BasicallySatisfied,
    /// <summary>不满意 → 重办</summary>
    Dissatisfied,
}

/// <summary>紧急程度</summary>
internal enum CasePriority
{
    Normal,
    /// <summary>紧急: same-day deadline by default.</summary>
    Urgent,
}
