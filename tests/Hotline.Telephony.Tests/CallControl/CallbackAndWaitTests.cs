using Hotline.Telephony.CallControl;
using Hotline.Telephony.Media;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Telephony.Tests.CallControl;

/// <summary>Estimated wait (预计等待时间) from recent answers, its Mandarin prompt, and the call-back list (回拨).</summary>
public sealed class CallbackAndWaitTests
{
    private static Acd NewAcd(FakeTimeProvider time) =>
        new([new QueueOptions { Name = "complaint", Digit = "1" }, new QueueOptions { Name = "inquiry", Digit = "2" }],
            [new SipExtension { Extension = "8001" }], time);

    [Fact]
    public void Estimated_wait_is_recent_wait_per_position_times_the_callers_position()
    {
        var acd = NewAcd(new FakeTimeProvider());
        Assert.Null(acd.EstimatedWait("complaint", 1)); // no answers yet: nothing to announce

        acd.Answered("8001", "complaint", TimeSpan.FromSeconds(30), positionWhenQueued: 1);
        acd.Answered("8001", "complaint", TimeSpan.FromSeconds(120), positionWhenQueued: 2); // 60 s per position
        Assert.Equal(TimeSpan.FromSeconds(45), acd.EstimatedWait("complaint", 1));
        Assert.Equal(TimeSpan.FromSeconds(135), acd.EstimatedWait("complaint", 3));
        Assert.Null(acd.EstimatedWait("inquiry", 1)); // per queue

        for (var i = 0; i < Acd.EstimateWindow; i++)
        {
            acd.Answered("8001", "complaint", TimeSpan.FromSeconds(10), 1);
        }

        Assert.Equal(TimeSpan.FromSeconds(10), acd.EstimatedWait("complaint", 1)); // only the recent window counts
    }

    [Theory]
    [InlineData(10, "wait_0")]
    [InlineData(50, "wait_1")]
    [InlineData(61, "wait_2")]
    [InlineData(120, "wait_2")]
    [InlineData(599, "wait_10")]
    [InlineData(3600, "wait_11")]
    public void Wait_prompt_is_rounded_up_to_whole_minutes(int seconds, string prompt) =>
        Assert.Equal(prompt, PromptLibrary.WaitName(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Wait_and_call_back_prompts_are_mandarin_with_chinese_numerals()
    {
        var t = PromptLibrary.Texts;
        Assert.Equal("yu4 ji4 deng3 dai4 shi2 jian1 yue1 liang3 fen1 zhong1.", t["wait_2"]); // 约两分钟
        Assert.Equal("yu4 ji4 deng3 dai4 shi2 jian1 yue1 shi2 fen1 zhong1.", t["wait_10"]); // 约十分钟
        Assert.Contains("bu2 dao4 yi4 fen1 zhong1", t["wait_0"], StringComparison.Ordinal); // 不到一分钟
        Assert.Contains("chao1 guo4 shi2 fen1 zhong1", t["wait_11"], StringComparison.Ordinal); // 超过十分钟
        Assert.Contains("hui2 dian4 qing3 an4 yi1", t[PromptLibrary.CallbackOffer], StringComparison.Ordinal); // 回电请按一
        Assert.DoesNotContain(t.Values, v => v.Any(char.IsAsciiDigit) && !System.Text.RegularExpressions.Regex.IsMatch(v, @"^[a-z1-5 ,.üv]+$"));
    }

    [Fact]
    public void Call_back_list_keeps_requests_across_a_restart_and_marks_them_done()
    {
        var file = Path.Combine(Path.GetTempPath(), "hotline-callbacks-" + Guid.NewGuid() + ".jsonl");
        try
        {
            var at = new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero);
            var list = new CallbackList(file);
            var seen = new List<CallbackRequest>();
            list.Changed += seen.Add;
            var abandoned = list.Add("call-1", "13800138000", "complaint", CallbackRequest.Abandoned, at, TimeSpan.FromSeconds(42.7));
            var requested = list.Add("call-2", "13900139000", "inquiry", CallbackRequest.Requested, at.AddMinutes(1), TimeSpan.FromSeconds(120));
            Assert.Equal([requested.Id, abandoned.Id], list.List().Select(r => r.Id)); // newest first
            Assert.Equal(42, abandoned.WaitedSeconds);

            var done = list.Complete(abandoned.Id, "8001", at.AddMinutes(5));
            Assert.Equal((CallbackRequest.Done, "8001"), (done!.State, done.HandledBy));
            Assert.Null(list.Complete("nope", "8001", at));
            Assert.Equal(3, seen.Count);

            var reloaded = new CallbackList(file);
            Assert.Equal([requested.Id], reloaded.List().Select(r => r.Id)); // only open ones by default
            Assert.Equal(2, reloaded.List(all: true).Count);
            Assert.Equal("13900139000", reloaded.List().Single().Caller);
            Assert.Equal(CallbackRequest.Done, reloaded.List(all: true).Single(r => r.Id == abandoned.Id).State);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
