using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Persistence.Sagas;

namespace Hotline.Federation.Assignments;

/// <summary>Starts tracking a new 交办 at the assigner (created by <c>POST /api/v1/assignments</c>).</summary>
internal sealed record StartAssignment(
    [property: SagaIdentity] string CaseNumber,
    string TargetNode,
    Guid CorrelationId,
    string Type,
    string Description,
    DateTimeOffset Deadline,
    DateTimeOffset AssignedAt,
    string AssignedBy);

/// <summary>Timeout: time for 催办 (before or at the deadline).</summary>
internal sealed record UrgeDue([property: SagaIdentity] string CaseNumber);

/// <summary>Timeout: the deadline has passed by the configured period: 督办.</summary>
internal sealed record SuperviseDue([property: SagaIdentity] string CaseNumber);

/// <summary>Timeout: still overdue a further period after 督办: 通报.</summary>
internal sealed record NoticeDue([property: SagaIdentity] string CaseNumber);

/// <summary>The assigner accepts the city's result (closing the assignment) or sends it back.</summary>
internal sealed record ReviewAssignmentResult([property: SagaIdentity] string CaseNumber, bool Accept, string? Comment, string ReviewedBy);

/// <summary>
/// The assigner's saga for one 交办: sends the case down, raises 催办 before/at the deadline, 督办 when overdue and 通报
/// after a further period while the city has not resolved it, and closes when the assigner accepts the result.
/// Feedback from the city is applied to the <see cref="Assignment"/> read model by <see cref="FeedbackHandler"/>;
/// the timeouts read that state, so feedback and timeouts may arrive in any order.
/// </summary>
internal sealed partial class AssignmentSaga : Saga
{
    public string Id { get; set; } = string.Empty;

    public string TargetNode { get; set; } = string.Empty;

    public Guid CorrelationId { get; set; }

    public DateTimeOffset Deadline { get; set; }

    public static async Task<AssignmentSaga> Start(StartAssignment command, FederationDbContext db, NextHopSender router,
        IMessageBus bus, IOptions<FederationOptions> options, TimeProvider clock, CancellationToken ct)
    {
        if (await db.Assignments.FindAsync([command.CaseNumber], ct) is null)
        {
            db.Assignments.Add(new Assignment
            {
                CaseNumber = command.CaseNumber,
                TargetNode = command.TargetNode,
                CorrelationId = command.CorrelationId,
                Type = command.Type,
                Description = command.Description,
                AssignedBy = command.AssignedBy,
                AssignedAt = command.AssignedAt,
                Deadline = command.Deadline,
                Status = AssignmentStatus.Assigned,
            });
            await db.SaveChangesAsync(ct);
        }

        await router.ForwardAsync(bus, new CaseAssigned(command.CaseNumber, router.Self, command.TargetNode, command.CorrelationId,
            command.Type, command.Description, command.Deadline, command.AssignedAt, command.AssignedBy));

        var o = options.Value;
        var now = clock.GetUtcNow();
        var urgeAt = command.Deadline - o.UrgeBeforeDeadline;
        await bus.ScheduleAsync(new UrgeDue(command.CaseNumber), urgeAt > now ? urgeAt : now);
        await bus.ScheduleAsync(new SuperviseDue(command.CaseNumber), command.Deadline + o.SuperviseAfterDeadline);

        return new AssignmentSaga
        {
            Id = command.CaseNumber,
            TargetNode = command.TargetNode,
            CorrelationId = command.CorrelationId,
            Deadline = command.Deadline,
        };
    }

    public async Task Handle(UrgeDue timeout, FederationDbContext db, NextHopSender router, IMessageBus bus, TimeProvider clock,
        ILogger<AssignmentSaga> logger, CancellationToken ct)
    {
        var row = await db.Assignments.FindAsync([Id], ct);
        if (row is null || !IsOpen(row) || row.UrgedAt is not null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        row.UrgedAt = now;
        var text = now <= Deadline ? $"催办：交办件 {Id} 将于 {Deadline:yyyy-MM-dd HH:mm} 到期，请按时办结。" : $"催办：交办件 {Id} 已于 {Deadline:yyyy-MM-dd HH:mm} 到期，请尽快办结。";
        await SendReminderAsync(db, router, bus, row, ReminderKind.Urge, text, now, ct);
        LogReminder(logger, "urge", Id, TargetNode);
    }

    public async Task Handle(SuperviseDue timeout, FederationDbContext db, NextHopSender router, IMessageBus bus, TimeProvider clock,
        IOptions<FederationOptions> options, ILogger<AssignmentSaga> logger, CancellationToken ct)
    {
        var row = await db.Assignments.FindAsync([Id], ct);
        if (row is null || !IsOpen(row) || row.SupervisedAt is not null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        row.SupervisedAt = now;
        await SendReminderAsync(db, router, bus, row, ReminderKind.Supervise, $"督办：交办件 {Id} 已超期未办结，请立即办理并反馈。", now, ct);
        await bus.ScheduleAsync(new NoticeDue(Id), now + options.Value.NoticeAfterSupervision);
        LogReminder(logger, "supervise", Id, TargetNode);
    }

    public async Task Handle(NoticeDue timeout, FederationDbContext db, NextHopSender router, IMessageBus bus, TimeProvider clock,
        ILogger<AssignmentSaga> logger, CancellationToken ct)
    {
        var row = await db.Assignments.FindAsync([Id], ct);
        if (row is null || !IsOpen(row) || row.NoticedAt is not null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        row.NoticedAt = now;
        await SendReminderAsync(db, router, bus, row, ReminderKind.Notice, $"通报：交办件 {Id} 督办后仍未办结，予以通报。", now, ct);
        LogReminder(logger, "notice", Id, TargetNode);
    }

    public async Task Handle(ReviewAssignmentResult review, FederationDbContext db, NextHopSender router, IMessageBus bus,
        TimeProvider clock, CancellationToken ct)
    {
        var row = await db.Assignments.FindAsync([Id], ct);
        if (row is null || row.Status != AssignmentStatus.Resolved)
        {
            return;
        }

        var now = clock.GetUtcNow();
        if (review.Accept)
        {
            row.Status = AssignmentStatus.Accepted;
            row.ClosedAt = now;
            db.AssignmentEvents.Add(new AssignmentEvent
            {
                Id = Guid.NewGuid(), CaseNumber = Id, Kind = "accepted", Text = review.Comment ?? "办理结果已采纳。", At = now,
            });
            await db.SaveChangesAsync(ct);
            MarkCompleted();
            return;
        }

        row.Status = AssignmentStatus.SentBack;
        await SendReminderAsync(db, router, bus, row, ReminderKind.SentBack,
            string.IsNullOrWhiteSpace(review.Comment) ? "办理结果未通过审核，请重新办理。" : review.Comment, now, ct);
    }

    public static void NotFound(UrgeDue timeout)
    {
        // The assignment was closed before the timeout fired: nothing to remind.
    }

    public static void NotFound(SuperviseDue timeout)
    {
        // Closed before it became overdue.
    }

    public static void NotFound(NoticeDue timeout)
    {
        // Closed after 督办, before 通报.
    }

    public static void NotFound(ReviewAssignmentResult review)
    {
        // Already accepted: a repeated review changes nothing.
    }

    internal static bool IsOpen(Assignment row) =>
        row.Status is AssignmentStatus.Assigned or AssignmentStatus.InProgress or AssignmentStatus.SentBack;

    private async Task SendReminderAsync(FederationDbContext db, NextHopSender router, IMessageBus bus, Assignment row,
        ReminderKind kind, string text, DateTimeOffset now, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        db.AssignmentEvents.Add(new AssignmentEvent { Id = id, CaseNumber = Id, Kind = ReminderKinds.Name(kind), Text = text, At = now });
        await db.SaveChangesAsync(ct);
        IRoutedMessage message = kind is ReminderKind.Urge or ReminderKind.SentBack
            ? new CaseUrged(Id, router.Self, row.TargetNode, CorrelationId, id, kind, text, Deadline, now)
            : new CaseSupervised(Id, router.Self, row.TargetNode, CorrelationId, id, kind, text, Deadline, now);
        await router.ForwardAsync(bus, message);
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Assignment {CaseNumber} → {TargetNode}: {Reminder} sent")]
    private static partial void LogReminder(ILogger logger, string reminder, string caseNumber, string targetNode);
}
