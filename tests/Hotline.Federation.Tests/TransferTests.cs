using Hotline.Federation.CityCases;
using Hotline.Federation.Tests.Support;

namespace Hotline.Federation.Tests;

public sealed class TransferTests : IAsyncLifetime
{
    private TestFederation _federation = null!;

    public async Task InitializeAsync() => _federation = await TestFederation.StartAsync(TestFederation.Demo());

    public async Task DisposeAsync() => await _federation.DisposeAsync();

    [Fact]
    public async Task A_case_transferred_from_Guangzhou_to_Nanjing_crosses_provinces_and_its_result_returns_to_Guangzhou()
    {
        var guangzhou = _federation["440100"].City!;
        var nanjing = _federation["320100"].City!;
        var deadline = DateTimeOffset.UtcNow.AddDays(3);
        var number = guangzhou.CreateLocal("complaint", "南京南站出租车拒载", "13912345678", deadline);
        guangzhou.TransferOut(number, "320100", "事发地在南京市", "乘客在南京南站遭出租车拒载", "13912345678");

        await Poller.UntilAsync(() => nanjing.ByOrigin(number) is not null, what: "the 转办 case at 南京");
        var there = nanjing.ByOrigin(number)!;
        Assert.Equal(IncomingChannel.Transfer, there.Origin!.Channel);
        Assert.Equal("440100", there.Origin.OriginNode);
        Assert.Equal("13912345678", there.Phone);
        Assert.Equal(deadline.ToUnixTimeSeconds(), there.Deadline!.Value.ToUnixTimeSeconds());

        nanjing.ChangeStatus(there.CaseNumber, "closed", "已对涉事司机处罚并向乘客致歉");
        await Poller.UntilAsync(() => guangzhou.Feedback.Any(f => f.Kind == "resolved"), what: "the result back at 广州");
        var result = guangzhou.Feedback.Single(f => f.Kind == "resolved");
        Assert.Equal(number, result.CaseNumber);
        Assert.Equal("320100", result.FromNode);
        Assert.Equal("已对涉事司机处罚并向乘客致歉", result.Text);
        Assert.Equal("closed", guangzhou.Cases.Single(c => c.CaseNumber == number).Status);
        Assert.Equal(1, nanjing.AcceptCalls);
    }
}
