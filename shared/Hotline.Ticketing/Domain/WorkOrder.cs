namespace Hotline.Ticketing.Domain;

/// <summary>A case in its standard form. 工单</summary>
internal sealed class WorkOrder
{
    public long Id { get; set; }
    public string CaseNumber { get; set; } = "";
    public string QueryCode { get; set; } = "";
    public CaseChannel Channel { get; set; }
    public CaseType Type { get; set; }
    public string? Category { get; set; }
    public CasePriority Priority { get; set; }
    public CaseStatus Status { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string? CallerPhone { get; set; }
    public string? CallerName { get; set; }
    /// <summary>The complainant asked for confidentiality (保密): never shown to the enterprise.</summary>
    public bool Confidential { get; set; }
    /// <summary>The complainant allowed the enterprise to see who they are.</summary>
    public bool DiscloseToEnterprise { get; set; }
    public string? Enterprise { get; set; }
    /// <summary>Vehicle plate, route or vessel named in the description (extracted or entered).</summary>
    public string? Plate { get; set; }
    public string? Location { get; set; }
    public DateTimeOffset? OccurredAt { get; set; }
    public DateTimeOffset AcceptedAt { get; set; }
    public string AcceptedBy { get; set; } = "";
    public DateTimeOffset? Deadline { get; set; }
    public string? HandlingUnit { get; set; }
    public bool HandledByEnterprise { get; set; }
    public bool Major { get; set; }
    public string? MajorReason { get; set; }
    public string? MasterCaseNumber { get; set; }
    /// <summary>The state to return to after 恢复 (from 挂起) or 取消并案.</summary>
    public CaseStatus? ResumeStatus { get; set; }
    public string? SourceNode { get; set; }
    public string? SourceCaseNumber { get; set; }
    public string? CorrelationId { get; set; }
    public string? RecordingId { get; set; }
    public string? TransferTarget { get; set; }
    public Satisfaction? Satisfaction { get; set; }
    public string? ReplyText { get; set; }
    public int? PendingExtensionDays { get; set; }
    public string? PendingExtensionReason { get; set; }
    public int UrgeCount { get; set; }
    public int SuperviseCount { get; set; }
    /// <summary>通报 count: raised by the city's own deadline monitor or by the assigning node.</summary>
    public int NotifyCount { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public int Version { get; set; }

    public ExternalReference? Source => SourceNode is null || SourceCaseNumber is null
        ? null
        : new ExternalReference(SourceNode, SourceCaseNumber, CorrelationId ?? "");

    public bool IsOpen => Status is CaseStatus.Accepted or CaseStatus.Dispatched or CaseStatus.Handling
        or CaseStatus.Replied or CaseStatus.Returned or CaseStatus.Suspended;
}

/// <summary>One line of a case's visible history (timeline). 处理记录</summary>
internal sealed class CaseEvent
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    /// <summary>Set instead of <see cref="CaseId"/> for a case not yet saved (one SaveChanges inserts both).</summary>
    public WorkOrder? Case { get; set; }
    public string CaseNumber { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Kind { get; set; } = "";
    public CaseStatus? FromStatus { get; set; }
    public CaseStatus? ToStatus { get; set; }
    public string? Comment { get; set; }
    /// <summary>Shown to the citizen on the public query.</summary>
    public bool Public { get; set; }
}

/// <summary>A row of the durable case feed (outbox read by federation and channels).</summary>
internal sealed class FeedRow
{
    public long Position { get; set; }
    public string CaseNumber { get; set; } = "";
    public string EventType { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }
    public string SummaryJson { get; set; } = "";
    public string? Comment { get; set; }
    public string? SourceNode { get; set; }
    public string? SourceCaseNumber { get; set; }
    public string? CorrelationId { get; set; }
}

/// <summary>Who did what, when, from where: every state change and every read of unmasked personal data. 审计记录</summary>
internal sealed class AuditRecord
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Roles { get; set; } = "";
    public string Action { get; set; } = "";
    public string? CaseNumber { get; set; }
    public string? Detail { get; set; }
    public string? RemoteAddress { get; set; }
}

/// <summary>Feedback already recorded (idempotency by id).</summary>
internal sealed class ExternalFeedbackRow
{
    public string FeedbackId { get; set; } = "";
    public string CaseNumber { get; set; } = "";
    public string FromNode { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Text { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>A 催办/督办/通报 from the node that assigned or transferred a case here (idempotency by notice id). 上级督办记录</summary>
internal sealed class SupervisionNoticeRow
{
    public string NoticeId { get; set; } = "";
    public string CaseNumber { get; set; } = "";
    public string FromNode { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Text { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>A day that breaks the Monday–Friday rule: a statutory holiday or a 调休 make-up working day.</summary>
internal sealed class CalendarDay
{
    /// <summary>yyyy-MM-dd</summary>
    public string Day { get; set; } = "";
    public bool Working { get; set; }
    public string Name { get; set; } = "";
}

/// <summary>One row of the SLA table: type × category × priority → working days (or hours). 办理时限</summary>
internal sealed class SlaRule
{
    public long Id { get; set; }
    public CaseType Type { get; set; }
    /// <summary>Category code prefix; null matches every category.</summary>
    public string? Category { get; set; }
    public CasePriority Priority { get; set; }
    public int WorkingDays { get; set; }
    /// <summary>When &gt; 0 the deadline is this many clock hours after acceptance (urgent cases).</summary>
    public int Hours { get; set; }
}

/// <summary>A service category code (大类/中类/小类). 业务分类</summary>
internal sealed class CategoryCode
{
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Parent { get; set; }
}

/// <summary>A routing rule: category / enterprise / area → handling unit (data, editable by operations). 派单规则</summary>
internal sealed class RoutingRule
{
    public long Id { get; set; }
    public string? Category { get; set; }
    public string? Enterprise { get; set; }
    public string? Area { get; set; }
    public string HandlingUnit { get; set; } = "";
    public bool IsEnterprise { get; set; }
    public int Rank { get; set; }
}
