using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Federation.CityCases;
using Hotline.Federation.Tests.Support;
using TechTalk.SpecFlow;

namespace Hotline.Specs.Federation;

/// <summary>Bindings of the federation features: a real six-node federation (Kestrel on free ports) per scenario.</summary>
[Binding]
public sealed class FederationSteps
{
    private TestFederation? _federation;
    private string? _assignment;
    private string? _assigner;
    private DateTimeOffset _deadline;
    private string? _guangzhouCase;

    private TestFederation Federation => _federation ?? throw new InvalidOperationException("No federation started.");

    private static readonly Dictionary<string, string> Nodes = new()
    {
        ["交通运输部"] = "100000", ["广东省"] = "440000", ["江苏省"] = "320000", ["广州市"] = "440100", ["深圳市"] = "440300", ["南京市"] = "320100",
    };

    [Given(@"联网系统由交通运输部、广东省、江苏省、广州市、深圳市和南京市组成")]
    public async Task GivenTheFederation() =>
        _federation = await TestFederation.StartAsync(TestFederation.Demo(), new Dictionary<string, string?>
        {
            ["Federation:UrgeBeforeDeadline"] = "00:00:01",
            ["Federation:SuperviseAfterDeadline"] = "00:00:01",
            ["Federation:NoticeAfterSupervision"] = "00:00:02",
        });

    [AfterScenario]
    public async Task StopFederation()
    {
        if (_federation is not null)
        {
            await _federation.DisposeAsync();
        }
    }

    [When(@"(.*)向(.*)交办投诉""(.*)""，办理时限为 (\d+) (天|秒)")]
    public async Task WhenAssigned(string assigner, string city, string description, int amount, string unit)
    {
        _assigner = Nodes[assigner];
        _deadline = DateTimeOffset.UtcNow + (unit == "天" ? TimeSpan.FromDays(amount) : TimeSpan.FromSeconds(amount));
        var response = await Federation[_assigner].Client.PostAsJsonAsync("/api/v1/assignments",
            new { targetNode = Nodes[city], type = "complaint", description, deadline = _deadline });
        response.EnsureSuccessStatusCode();
        _assignment = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("caseNumber").GetString();
        await Poller.UntilAsync(() => Federation[Nodes[city]].City!.ByOrigin(_assignment!) is not null, what: "the 交办 case at the city");
    }

    [Then(@"深圳市收到来源为交办的工单，办理时限与交办一致")]
    public void ThenCityHasAssignedCase()
    {
        var local = Federation["440300"].City!.ByOrigin(_assignment!)!;
        Assert.Equal(IncomingChannel.Assignment, local.Origin!.Channel);
        Assert.Equal(_deadline.ToUnixTimeSeconds(), local.Deadline!.Value.ToUnixTimeSeconds());
    }

    [When(@"深圳市办结该工单，答复""(.*)""")]
    public void WhenShenzhenResolves(string reply) =>
        Federation["440300"].City!.ChangeStatus(Federation["440300"].City!.ByOrigin(_assignment!)!.CaseNumber, "closed", reply);

    private Task<JsonElement> AssignmentAsync() =>
        Federation[_assigner!].Client.GetFromJsonAsync<JsonElement>($"/api/v1/assignments/{_assignment}");

    [Then(@"(.*)看到交办件状态为""(.*)""，办理结果为""(.*)""")]
    public async Task ThenAssignerSeesResult(string assigner, string status, string result)
    {
        var view = await Poller.UntilAsync(AssignmentAsync, v => v.GetProperty("status").GetString() == status, what: "the status at the assigner");
        Assert.Equal(result, view.GetProperty("result").GetString());
    }

    [Then(@"交办件没有被催办")]
    public async Task ThenNotUrged() => Assert.Equal(JsonValueKind.Null, (await AssignmentAsync()).GetProperty("urgedAt").ValueKind);

    [When(@"交通运输部采纳办理结果")]
    public async Task WhenAccepted() =>
        (await Federation[_assigner!].Client.PostAsJsonAsync($"/api/v1/assignments/{_assignment}/review", new { accept = true })).EnsureSuccessStatusCode();

    [Then(@"^交通运输部看到交办件状态为""([^""]*)""$")]
    public async Task ThenStatus(string status) => Assert.Equal(status, (await AssignmentAsync()).GetProperty("status").GetString());

    [Then(@"深圳市依次收到""(.*)""")]
    public async Task ThenRemindersInOrder(string expected)
    {
        var names = new Dictionary<string, string> { ["urged"] = "催办", ["supervised"] = "督办", ["noticed"] = "通报" };
        var city = Federation["440300"].City!;
        await Poller.UntilAsync(() => city.Reminders.Count >= 3, TimeSpan.FromSeconds(40), "three reminders");
        var actual = city.Reminders.OrderBy(r => r.At).Select(r => names[r.Kind]);
        Assert.Equal(expected, string.Join("、", actual));
    }

    [Then(@"广东省看到交办件已超期，催办、督办、通报时间依次记录")]
    public async Task ThenAssignerSeesReminders()
    {
        var view = await Poller.UntilAsync(AssignmentAsync, v => v.GetProperty("noticedAt").ValueKind != JsonValueKind.Null, what: "通报 recorded");
        Assert.True(view.GetProperty("overdue").GetBoolean());
        Assert.True(view.GetProperty("urgedAt").GetDateTimeOffset() <= view.GetProperty("supervisedAt").GetDateTimeOffset());
        Assert.True(view.GetProperty("supervisedAt").GetDateTimeOffset() < view.GetProperty("noticedAt").GetDateTimeOffset());
    }

    [When(@"广州市受理市民投诉""(.*)""，联系电话""(.*)""，来电人""(.*)""，事发地点""(.*)""")]
    public void WhenGuangzhouAccepts(string title, string phone, string name, string location) =>
        _guangzhouCase = Federation["440100"].City!.CreateLocal("complaint", title, phone, DateTimeOffset.UtcNow.AddDays(5), name, location);

    [When(@"广州市将该工单转办给南京市，理由""(.*)""")]
    public void WhenTransferred(string reason) =>
        Federation["440100"].City!.TransferOut(_guangzhouCase!, "320100", reason);

    [Then(@"南京市工单的诉求内容为""(.*)""，来电人为""(.*)""，事发地点为""(.*)""")]
    public void ThenNanjingHasTheContent(string description, string name, string location)
    {
        var there = Federation["320100"].City!.ByOrigin(_guangzhouCase!)!;
        Assert.Equal(description, there.Description);
        Assert.Equal(name, there.Name);
        Assert.Equal(location, there.Location);
    }

    [Then(@"南京市收到来源为转办的工单，联系电话为""(.*)""")]
    public async Task ThenNanjingHasIt(string phone)
    {
        var nanjing = Federation["320100"].City!;
        await Poller.UntilAsync(() => nanjing.ByOrigin(_guangzhouCase!) is not null, what: "the 转办 case at 南京");
        var there = nanjing.ByOrigin(_guangzhouCase!)!;
        Assert.Equal(IncomingChannel.Transfer, there.Origin!.Channel);
        Assert.Equal(phone, there.Phone);
    }

    [When(@"南京市办结该工单，答复""(.*)""")]
    public void WhenNanjingResolves(string reply) =>
        Federation["320100"].City!.ChangeStatus(Federation["320100"].City!.ByOrigin(_guangzhouCase!)!.CaseNumber, "closed", reply);

    [Then(@"广州市的原工单收到办理结果""(.*)""，状态为""(.*)""")]
    public async Task ThenGuangzhouHasResult(string reply, string status)
    {
        var guangzhou = Federation["440100"].City!;
        await Poller.UntilAsync(() => guangzhou.Feedback.Any(f => f.Kind == "resolved" && f.CaseNumber == _guangzhouCase), what: "the result at 广州");
        Assert.Equal(reply, guangzhou.Feedback.Single(f => f.Kind == "resolved").Text);
        Assert.Equal(status, guangzhou.Cases.Single(c => c.CaseNumber == _guangzhouCase).Status);
    }

    [When(@"深圳市受理 (\d+) 件投诉")]
    public void WhenShenzhenAccepts(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Federation["440300"].City!.CreateLocal(title: $"网约车绕路 {i}", phone: $"1381234567{i}");
        }
    }

    [Then(@"(交通运输部的全国工单|广东省的工单)中(?:也)?有深圳市的 (\d+) 件工单(?:，联系电话已脱敏)?")]
    public async Task ThenReported(string where, int count)
    {
        var node = where.StartsWith("交通运输部", StringComparison.Ordinal) ? "100000" : "440000";
        var list = await Poller.UntilAsync(() => Federation[node].Client.GetFromJsonAsync<JsonElement>("/api/v1/cases?node=440300"),
            j => j.GetProperty("total").GetInt32() == count, what: "the reported cases");
        Assert.All(list.GetProperty("items").EnumerateArray(), i => Assert.Matches(@"^138\*{4}\d{4}$", i.GetProperty("phone").GetString()));
    }
}
