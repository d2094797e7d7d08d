using Hotline.Telephony.CallControl;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Telephony.Tests.CallControl;

public class AcdTests
{
    private readonly FakeTimeProvider _clock = new();

    private Acd Make(DistributionStrategy strategy, params string[] agents)
    {
        var acd = new Acd([new QueueOptions { Name = "q", Digit = "1", Strategy = strategy }],
            agents.Select(a => new SipExtension { Extension = a, Password = "x" }), _clock);
        foreach (var a in agents)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            acd.SetState(a, AgentState.Ready);
        }

        return acd;
    }

    private string Next(Acd acd, string callId)
    {
        acd.Enqueue(new QueuedCall(callId, "q", 0, _clock.GetUtcNow()));
        var (call, agents) = Assert.Single(acd.Dispatch());
        Assert.Equal(callId, call.CallId);
        return Assert.Single(agents);
    }

    private void Finish(Acd acd, string agent, int talkSeconds)
    {
        acd.Answered(agent, "q", TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(talkSeconds));
        acd.CallEnded(agent, TimeSpan.FromSeconds(talkSeconds), wrapUp: false);
    }

    [Fact]
    public void Longest_idle_takes_the_agent_ready_first()
    {
        var acd = Make(DistributionStrategy.LongestIdle, "8001", "8002", "8003");
        Assert.Equal("8001", Next(acd, "c1"));
        Assert.Equal("8002", Next(acd, "c2"));
        Finish(acd, "8001", 5);
        Assert.Equal("8003", Next(acd, "c3"));
    }

    [Fact]
    public void Round_robin_continues_after_the_last_offered()
    {
        var acd = Make(DistributionStrategy.RoundRobin, "8001", "8002", "8003");
        Assert.Equal("8001", Next(acd, "c1"));
        Finish(acd, "8001", 1);
        Assert.Equal("8002", Next(acd, "c2"));
        Finish(acd, "8002", 1);
        Assert.Equal("8003", Next(acd, "c3"));
        Finish(acd, "8003", 1);
        Assert.Equal("8001", Next(acd, "c4"));
    }

    [Fact]
    public void Linear_always_hunts_from_the_first()
    {
        var acd = Make(DistributionStrategy.Linear, "8003", "8001", "8002");
        Assert.Equal("8003", Next(acd, "c1"));
        Finish(acd, "8003", 1);
        Assert.Equal("8003", Next(acd, "c2"));
    }

    [Fact]
    public void Fewest_calls_and_least_talk_time()
    {
        var fewest = Make(DistributionStrategy.FewestCalls, "8001", "8002");
        Finish(fewest, Next(fewest, "a"), 100); // 8001 answered one
        Assert.Equal("8002", Next(fewest, "b"));

        var least = Make(DistributionStrategy.LeastTalkTime, "8001", "8002");
        var first = Next(least, "a");
        Finish(least, first, 300);
        var second = Next(least, "b");
        Finish(least, second, 10);
        Assert.Equal(second, Next(least, "c"));
    }

    [Fact]
    public void Ring_all_offers_every_ready_agent()
    {
        var acd = Make(DistributionStrategy.RingAll, "8001", "8002", "8003");
        acd.SetState("8002", AgentState.NotReady, "break");
        acd.Enqueue(new QueuedCall("c1", "q", 0, _clock.GetUtcNow()));
        var (_, agents) = Assert.Single(acd.Dispatch());
        Assert.Equal(["8001", "8003"], agents.Order());
        Assert.Equal(AgentState.Ringing, acd.StateOf("8001"));
    }

    [Fact]
    public void No_ready_agent_keeps_the_call_waiting_with_position_and_priority()
    {
        var acd = Make(DistributionStrategy.LongestIdle, "8001");
        acd.SetState("8001", AgentState.NotReady);
        acd.Enqueue(new QueuedCall("c1", "q", 0, _clock.GetUtcNow()));
        acd.Enqueue(new QueuedCall("c2", "q", 0, _clock.GetUtcNow()));
        acd.Enqueue(new QueuedCall("vip", "q", 5, _clock.GetUtcNow()));
        Assert.Empty(acd.Dispatch());
        Assert.Equal(0, acd.Ahead("vip", "q"));
        Assert.Equal(2, acd.Ahead("c2", "q"));
        _clock.Advance(TimeSpan.FromSeconds(20));
        var q = Assert.Single(acd.Queues());
        Assert.Equal(3, q.Waiting);
        Assert.Equal(20, q.LongestWaitSeconds);
    }

    [Fact]
    public void Service_level_abandoned_and_auto_not_ready()
    {
        var acd = Make(DistributionStrategy.LongestIdle, "8001", "8002");
        acd.Answered("8001", "q", TimeSpan.FromSeconds(10));
        acd.Answered("8002", "q", TimeSpan.FromSeconds(40));
        acd.Abandoned("q");
        var q = Assert.Single(acd.Queues());
        Assert.Equal((2, 1, 1), (q.Answered, q.AnsweredWithin15s, q.Abandoned));

        var acd2 = Make(DistributionStrategy.LongestIdle, "8001");
        var agent = Next(acd2, "c1");
        acd2.OfferFailed(agent, noAnswer: true);
        Assert.Equal(AgentState.NotReady, acd2.StateOf(agent));
        Assert.Equal("noAnswer", acd2.Agents(_ => true).Single().Reason);
    }

    [Fact]
    public void Skills_limit_which_queues_an_agent_serves()
    {
        var acd = new Acd([new QueueOptions { Name = "complaint" }, new QueueOptions { Name = "inquiry" }],
            [new SipExtension { Extension = "8001", Password = "x", Skills = ["inquiry"] }], _clock);
        acd.SetState("8001", AgentState.Ready);
        acd.Enqueue(new QueuedCall("c1", "complaint", 0, _clock.GetUtcNow()));
        Assert.Empty(acd.Dispatch());
        acd.Enqueue(new QueuedCall("c2", "inquiry", 0, _clock.GetUtcNow()));
        Assert.Equal("c2", Assert.Single(acd.Dispatch()).Call.CallId);
    }
}
