using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Persistence.Sagas;

namespace Hotline.Federation.Assignments;

/// <summary>Starts tracking a new 交办 at the assigner (created by <c>POST /api/v1/assignments</c>).</summary>
public sealed record StartAssignment(
    [property: SagaIdentity] string CaseNumber,
    string TargetNode,
    Guid CorrelationId,
    string Type,
    string Description,
    DateTimeOffset Deadline,
    DateTimeOffset AssignedAt,
    string AssignedBy);

/// <summary>Timeout: time for 催办 (before or at the deadline).</summary>
public sealed record UrgeDue([property: SagaIdentity] string CaseNumber);

/// <summary>Timeout: the deadline has passed by the configured period: 督办.</summary>
public sealed record SuperviseDue([property: SagaIdentity] string CaseNumber);

/// <summary>Timeout: still overdue a further period after 督办: 通报.</summary>
public sealed record NoticeDue([property: SagaIdentity] string CaseNumber);

/// <summary>The assigner accepts the city's result (closing the assignment) or sends it back.</summary>
public sealed record ReviewAssignmentResult([property: SagaIdentity] string CaseNumber, bool Accept, string? Comment, string ReviewedBy);

/// <summary>
/// The assigner's saga for one 交办: sends the case down, raises 催办 before/at the deadline, 督办 when overdue and 通报
/// after a further period while the city has not resolved it, and closes when the assigner accepts the result.
/// Feedback from the city is applied to the assignment read model by the feedback handler; the timeouts read that
/// state, so feedback and timeouts may arrive in any order. Public only because Wolverine's generated code calls it;
/// the work is done by the internal <see cref="IAssignmentWorkflow"/> implementation.
/// </summary>
public sealed class AssignmentSaga : Saga
{
    /// <summary>The assigner's case number.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The city the case was assigned to.</summary>
    public string TargetNode { get; set; } = string.Empty;

    /// <summary>Ties the chain of messages together.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The deadline (carried, never restarted).</summary>
    public DateTimeOffset Deadline { get; set; }

    /// <summary>Starts the saga: records the assignment, sends it down, schedules the reminders.</summary>
    public static async Task<AssignmentSaga> Start(StartAssignment command, IAssignmentWorkflow workflow, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(workflow);
        await workflow.StartAsync(command, bus, ct);
        return new AssignmentSaga
        {
            Id = command.CaseNumber,
            TargetNode = command.TargetNode,
            CorrelationId = command.CorrelationId,
            Deadline = command.Deadline,
        };
    }

    /// <summary>催办 timeout.</summary>
    public Task Handle(UrgeDue timeout, IAssignmentWorkflow workflow, IMessageBus bus, CancellationToken ct) =>
        workflow.RemindAsync(Id, ReminderKind.Urge, bus, ct);

    /// <summary>督办 timeout.</summary>
    public Task Handle(SuperviseDue timeout, IAssignmentWorkflow workflow, IMessageBus bus, CancellationToken ct) =>
        workflow.RemindAsync(Id, ReminderKind.Supervise, bus, ct);

    /// <summary>通报 timeout.</summary>
    public Task Handle(NoticeDue timeout, IAssignmentWorkflow workflow, IMessageBus bus, CancellationToken ct) =>
        workflow.RemindAsync(Id, ReminderKind.Notice, bus, ct);

    /// <summary>The assigner accepts (closing the saga) or sends back the result.</summary>
    public async Task Handle(ReviewAssignmentResult review, IAssignmentWorkflow workflow, IMessageBus bus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        if (await workflow.ReviewAsync(review, bus, ct))
        {
            MarkCompleted();
        }
    }

    /// <summary>The assignment was closed before the timeout fired: nothing to remind.</summary>
    public static void NotFound(UrgeDue timeout)
    {
    }

    /// <summary>Closed before it became overdue.</summary>
    public static void NotFound(SuperviseDue timeout)
    {
    }

    /// <summary>Closed after 督办, before 通报.</summary>
    public static void NotFound(NoticeDue timeout)
    {
    }

    /// <summary>Already accepted: a repeated review changes nothing.</summary>
    public static void NotFound(ReviewAssignmentResult review)
    {
    }
}

/// <summary>The work behind <see cref="AssignmentSaga"/> (public interface for generated code; internal implementation).</summary>
public interface IAssignmentWorkflow
{
    /// <summary>Records the assignment, sends <see cref="CaseAssigned"/> down the tree and schedules 催办 and 督办.</summary>
    Task StartAsync(StartAssignment command, IMessageBus bus, CancellationToken ct);

    /// <summary>Sends a reminder if the assignment is still open and this reminder was not sent yet.</summary>
    Task RemindAsync(string caseNumber, ReminderKind kind, IMessageBus bus, CancellationToken ct);

    /// <summary>Applies the assigner's review; true when the assignment is closed (accepted).</summary>
    Task<bool> ReviewAsync(ReviewAssignmentResult review, IMessageBus bus, CancellationToken ct);
}

/// <summary>Runs each saga step in its own DI scope (singleton, so Wolverine's generated code takes it as an argument).</summary>
internal sealed class ScopedAssignmentWorkflow(IServiceScopeFactory scopes) : IAssignmentWorkflow
{
    public async Task StartAsync(StartAssignment command, IMessageBus bus, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AssignmentWorkflow>().StartAsync(command, bus, ct);
    }

    public async Task RemindAsync(string caseNumber, ReminderKind kind, IMessageBus bus, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AssignmentWorkflow>().RemindAsync(caseNumber, kind, bus, ct);
    }

    public async Task<bool> ReviewAsync(ReviewAssignmentResult review, IMessageBus bus, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AssignmentWorkflow>().ReviewAsync(review, bus, ct);
    }
}

/// <summary>The assignment saga's work on the read model and the bus.</summary>
internal sealed partial class AssignmentWorkflow(FederationDbContext db, NextHopSender router, TimeProvider clock,
    IOptions<FederationOptions> options, ILogger<AssignmentWorkflow> logger) : IAssignmentWorkflow
{
    public async Task StartAsync(StartAssignment command, IMessageBus bus, CancellationToken ct)
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
    }

    public async Task RemindAsync(string caseNumber, ReminderKind kind, IMessageBus bus, CancellationToken ct)
    {
        var row = await db.Assignments.FindAsync([caseNumber], ct);
        if (row is null || !IsOpen(row))
        {
            return;
        }

        if (kind == ReminderKind.Supervise && row.UrgedAt is null)
        {
            // 催办 always precedes 督办, even when both timeouts come due together (e.g. after downtime).
            await RemindAsync(caseNumber, ReminderKind.Urge, bus, ct);
        }

        var now = clock.GetUtcNow();
        string text;
        switch (kind)
        {
            case ReminderKind.Urge when row.UrgedAt is null:
                row.UrgedAt = now;
                text = now <= row.Deadline
                    ? $"催办：交办件 {caseNumber} 将于 {row.Deadline.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} 到期，请按时办结。"
                    : $"催办：交办件 {caseNumber} 已于 {row.Deadline.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} 到期，请尽快办结。";
                break;
            case ReminderKind.Supervise when row.SupervisedAt is null:
                row.SupervisedAt = now;
                text = $"督办：交办件 {caseNumber} 已超期未办结，请立即办理并反馈。";
                await bus.ScheduleAsync(new NoticeDue(caseNumber), now + options.Value.NoticeAfterSupervision);
                break;
            case ReminderKind.Notice when row.NoticedAt is null:
                row.NoticedAt = now;
                text = $"通报：交办件 {caseNumber} 督办后仍未办结，予以通报。";
                break;
            default:
                return;
        }

        await SendReminderAsync(row, kind, text, now, bus, ct);
        LogReminder(logger, ReminderKinds.Name(kind), caseNumber, row.TargetNode);
    }

    public async Task<bool> ReviewAsync(ReviewAssignmentResult review, IMessageBus bus, CancellationToken ct)
    {
        var row = await db.Assignments.FindAsync([review.CaseNumber], ct);
        if (row is null)
        {
            return true;
        }

        if (row.Status == AssignmentStatus.Accepted)
        {
            return true;
        }

        if (row.Status != AssignmentStatus.Resolved)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        if (review.Accept)
        {
            row.Status = AssignmentStatus.Accepted;
            row.ClosedAt = now;
            db.AssignmentEvents.Add(new AssignmentEvent
            {
                Id = Guid.NewGuid(), CaseNumber = row.CaseNumber, Kind = "accepted", Text = review.Comment ?? "办理结果已采纳。", At = now,
            });
            await db.SaveChangesAsync(ct);
            return true;
        }

        row.Status = AssignmentStatus.SentBack;
        await SendReminderAsync(row, ReminderKind.SentBack,
            string.IsNullOrWhiteSpace(review.Comment) ? "办理结果未通过审核，请重新办理。" : review.Comment, now, bus, ct);
        return false;
    }

    internal static bool IsOpen(Assignment row) =>
        row.Status is AssignmentStatus.Assigned or AssignmentStatus.InProgress or AssignmentStatus.SentBack;

    private async Task SendReminderAsync(Assignment row, ReminderKind kind, string text, DateTimeOffset now, IMessageBus bus, CancellationToken ct)
    {
        var id = Guid.NewGuid();
        db.AssignmentEvents.Add(new AssignmentEvent { Id = id, CaseNumber = row.CaseNumber, Kind = ReminderKinds.Name(kind), Text = text, At = now });
        await db.SaveChangesAsync(ct);
        IRoutedMessage message = kind is ReminderKind.Urge or ReminderKind.SentBack
            ? new CaseUrged(row.CaseNumber, router.Self, row.TargetNode, row.CorrelationId, id, kind, text, row.Deadline, now)
            : new CaseSupervised(row.CaseNumber, router.Self, row.TargetNode, row.CorrelationId, id, kind, text, row.Deadline, now);
        await router.ForwardAsync(bus, message);
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Assignment {CaseNumber} → {TargetNode}: {Reminder} sent")]
    private static partial void LogReminder(ILogger logger, string reminder, string caseNumber, string targetNode);
}
