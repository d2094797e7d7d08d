using Hotline.SharedKernel;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Domain;

namespace Hotline.Ticketing.Tests;

/// <summary>Every (state, action) pair of the work-order state machine, allowed and refused.</summary>
public sealed class StateMachineTests
{
    // The expected life cycle, written independently of the implementation's table: "State: Action→Target, …".
    // Anything not listed must be refused.
    private const string Expected = """
        Accepted: Dispatch→Dispatched, AnswerImmediately→Closed, Suspend→Suspended, TransferOut→TransferredOut, Merge→Merged
        Dispatched: Reassign→Dispatched, Receive→Handling, Return→Returned, Suspend→Suspended, Merge→Merged
        Handling: Reassign→Dispatched, Return→Returned, Reply→Replied, Suspend→Suspended, RequestExtension→Handling, ApproveExtension→Handling, RejectExtension→Handling, Merge→Merged
        Replied: ApproveReply→Closed, RejectReply→Handling
        Closed: ReturnVisit→Visited, Archive→Archived
        Visited: Archive→Archived
        Archived:
        Returned: Dispatch→Dispatched, Reassign→Dispatched, TransferOut→TransferredOut, Merge→Merged
        Suspended: Resume→Handling
        TransferredOut:
        Merged: Unmerge→Handling
        """;

    private static readonly WorkingCalendar Calendar = new(SeedData.Holidays());
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));

    private static Dictionary<(CaseStatus, CaseAction), CaseStatus> ExpectedTable()
    {
        var table = new Dictionary<(CaseStatus, CaseAction), CaseStatus>();
        foreach (var line in Expected.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var state = Enum.Parse<CaseStatus>(line[..line.IndexOf(':', StringComparison.Ordinal)]);
            foreach (var pair in line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = pair.Split('→');
                table[(state, Enum.Parse<CaseAction>(parts[0]))] = Enum.Parse<CaseStatus>(parts[1]);
            }
        }

        return table;
    }

    public static TheoryData<string, string> AllPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var s in Enum.GetValues<CaseStatus>())
        {
            foreach (var a in Enum.GetValues<CaseAction>())
            {
                data.Add(s.ToString(), a.ToString());
            }
        }

        return data;
    }

    /// <summary>A case in <paramref name="status"/> that satisfies every guard of <paramref name="action"/>.</summary>
    private static WorkOrder CaseIn(CaseStatus status, CaseAction action) => new()
    {
        CaseNumber = "440300-20261125-000001",
        Type = CaseType.Inquiry,
        Status = status,
        HandlingUnit = "市出租汽车管理处",
        ResumeStatus = status is CaseStatus.Suspended or CaseStatus.Merged ? CaseStatus.Handling : null,
        MasterCaseNumber = status == CaseStatus.Merged ? "440300-20261125-000009" : null,
        Deadline = Now.AddDays(10),
        PendingExtensionDays = action is CaseAction.ApproveExtension or CaseAction.RejectExtension ? 3 : null,
    };

    private static readonly ActionInput FullInput = new(Unit: "市出租汽车管理处", Reason: "理由", Text: "答复内容",
        Satisfaction: Satisfaction.Satisfied, Days: 3, TargetNode: "440100", MasterCaseNumber: "440300-20261125-000009");

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Every_state_and_action_is_allowed_or_refused_as_the_life_cycle_says(string from, string act)
    {
        var status = Enum.Parse<CaseStatus>(from);
        var action = Enum.Parse<CaseAction>(act);
        var expected = ExpectedTable();
        var order = CaseIn(status, action);
        var before = order.Version;

        var result = CaseStateMachine.Apply(order, action, FullInput, Now, Calendar, "440300");

        if (expected.TryGetValue((status, action), out var target))
        {
            Assert.True(result.IsSuccess, $"{status} + {action} should be allowed: {result.Error?.Message}");
            Assert.Equal(target, order.Status);
            Assert.Equal(status, result.Value.From);
            Assert.Equal(target, result.Value.To);
            Assert.Equal(before + 1, order.Version);
        }
        else
        {
            Assert.False(result.IsSuccess, $"{status} + {action} should be refused");
            Assert.Equal(ErrorKind.Conflict, result.Error!.Kind);
            Assert.Equal("transition.refused", result.Error.Code);
            Assert.Equal(status, order.Status);
            Assert.Equal(before, order.Version);
        }
    }

    [Fact]
    public void The_table_allows_exactly_the_expected_pairs()
    {
        var expected = ExpectedTable();
        foreach (var s in Enum.GetValues<CaseStatus>())
        {
            Assert.Equal(expected.Keys.Where(k => k.Item1 == s).Select(k => k.Item2).Order(), CaseStateMachine.ActionsIn(s).Order());
        }
    }

    [Theory]
    [InlineData("Satisfied", "Visited")]
    [InlineData("BasicallySatisfied", "Visited")]
    [InlineData("Dissatisfied", "Handling")]
    public void Return_visit_outcome_decides_between_visited_and_rehandling(string answer, string expected)
    {
        var satisfaction = Enum.Parse<Satisfaction>(answer);
        var target = Enum.Parse<CaseStatus>(expected);
        var order = CaseIn(CaseStatus.Closed, CaseAction.ReturnVisit);
        order.ReplyText = "已处理";
        var result = CaseStateMachine.Apply(order, CaseAction.ReturnVisit, FullInput with { Satisfaction = satisfaction }, Now, Calendar, "440300");
        Assert.True(result.IsSuccess);
        Assert.Equal(target, order.Status);
        Assert.Equal(satisfaction, order.Satisfaction);
        Assert.Equal(target == CaseStatus.Handling ? null : "已处理", order.ReplyText);
    }

    [Fact]
    public void Dissatisfied_visit_of_an_immediately_answered_case_goes_back_to_acceptance()
    {
        var order = CaseIn(CaseStatus.Closed, CaseAction.ReturnVisit);
        order.HandlingUnit = null;
        CaseStateMachine.Apply(order, CaseAction.ReturnVisit, FullInput with { Satisfaction = Satisfaction.Dissatisfied }, Now, Calendar, "440300");
        Assert.Equal(CaseStatus.Accepted, order.Status);
    }

    [Fact]
    public void Complaints_cannot_be_answered_immediately()
    {
        var order = CaseIn(CaseStatus.Accepted, CaseAction.AnswerImmediately);
        order.Type = CaseType.Complaint;
        var result = CaseStateMachine.Apply(order, CaseAction.AnswerImmediately, FullInput, Now, Calendar, "440300");
        Assert.False(result.IsSuccess);
        Assert.Equal("transition.guard", result.Error!.Code);
        Assert.Equal(CaseStatus.Accepted, order.Status);
    }

    [Theory]
    [InlineData("Dispatch", "unit")]
    [InlineData("Reassign", "unit")]
    [InlineData("Return", "reason")]
    [InlineData("Reply", "text")]
    [InlineData("Suspend", "reason")]
    [InlineData("TransferOut", "targetNode")]
    [InlineData("Merge", "masterCaseNumber")]
    [InlineData("ReturnVisit", "satisfaction")]
    [InlineData("RequestExtension", "days")]
    public void Guards_name_the_missing_field(string act, string field)
    {
        var action = Enum.Parse<CaseAction>(act);
        var status = ExpectedTable().Keys.First(k => k.Item2 == action).Item1;
        var order = CaseIn(status, action);
        var result = CaseStateMachine.Apply(order, action, new ActionInput(), Now, Calendar, "440300");
        Assert.False(result.IsSuccess);
        Assert.Equal(ErrorKind.Invalid, result.Error!.Kind);
        Assert.Contains(field, result.Error.Fields!.Keys);
        Assert.Equal(status, order.Status);
    }

    [Fact]
    public void Transfer_to_this_node_itself_is_refused()
    {
        var order = CaseIn(CaseStatus.Accepted, CaseAction.TransferOut);
        var result = CaseStateMachine.Apply(order, CaseAction.TransferOut, FullInput with { TargetNode = "440300" }, Now, Calendar, "440300");
        Assert.False(result.IsSuccess);
        Assert.Contains("targetNode", result.Error!.Fields!.Keys);
    }

    [Fact]
    public void Extension_request_after_the_deadline_or_twice_is_refused_and_approval_moves_the_deadline_in_working_days()
    {
        var order = CaseIn(CaseStatus.Handling, CaseAction.RequestExtension);
        order.Deadline = new DateTimeOffset(2026, 9, 30, 23, 59, 59, TimeSpan.FromHours(8));
        var at = new DateTimeOffset(2026, 9, 29, 9, 0, 0, TimeSpan.FromHours(8));
        Assert.True(CaseStateMachine.Apply(order, CaseAction.RequestExtension, FullInput with { Days = 2 }, at, Calendar, "440300").IsSuccess);
        var twice = CaseStateMachine.Apply(order, CaseAction.RequestExtension, FullInput with { Days = 2 }, at, Calendar, "440300");
        Assert.Equal("extension.pending", twice.Error!.Code);

        Assert.True(CaseStateMachine.Apply(order, CaseAction.ApproveExtension, FullInput, at, Calendar, "440300").IsSuccess);
        // 9/30 + 2 working days across 国庆 2026 (10/1–10/7 off): 10/8 (Thu), 10/9 (Fri).
        Assert.Equal(new DateTimeOffset(2026, 10, 9, 23, 59, 59, TimeSpan.FromHours(8)), order.Deadline);
        Assert.Null(order.PendingExtensionDays);

        var late = CaseIn(CaseStatus.Handling, CaseAction.RequestExtension);
        late.Deadline = Now.AddDays(-1);
        Assert.Equal("extension.late", CaseStateMachine.Apply(late, CaseAction.RequestExtension, FullInput, Now, Calendar, "440300").Error!.Code);
    }

    [Theory]
    [InlineData("Dispatch", HotlineRoles.Agent, true)]
    [InlineData("Dispatch", HotlineRoles.Handler, false)]
    [InlineData("Dispatch", HotlineRoles.Enterprise, false)]
    [InlineData("Reply", HotlineRoles.Handler, true)]
    [InlineData("Reply", HotlineRoles.Enterprise, true)]
    [InlineData("Reply", HotlineRoles.Agent, false)]
    [InlineData("ApproveReply", HotlineRoles.Reviewer, true)]
    [InlineData("ApproveReply", HotlineRoles.Handler, false)]
    [InlineData("ApproveExtension", HotlineRoles.Handler, false)]
    [InlineData("ApproveExtension", HotlineRoles.TeamLead, true)]
    [InlineData("Suspend", HotlineRoles.Agent, false)]
    [InlineData("ReturnVisit", HotlineRoles.QualityInspector, true)]
    [InlineData("Archive", HotlineRoles.Analyst, false)]
    [InlineData("Merge", HotlineRoles.Administrator, true)]
    public void Roles_take_only_their_actions(string action, string role, bool allowed) =>
        Assert.Equal(allowed, CaseStateMachine.RoleMayTake(Enum.Parse<CaseAction>(action), [role]));
}
