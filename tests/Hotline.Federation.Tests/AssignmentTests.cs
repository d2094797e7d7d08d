using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Federation.CityCases;
using Hotline.Federation.Tests.Support;

namespace Hotline.Federation.Tests;

public sealed class AssignmentTests : IAsyncLifetime
{
    private TestFederation _federation = null!;

    public async Task InitializeAsync() =>
        _federation = await TestFederation.StartAsync(
            [
                TestFederation.National("440000"),
                TestFederation.Province("440000", "广东省", "440300"),
                TestFederation.City("440300", "深圳市"),
            ],
            new Dictionary<string, string?>
            {
                ["Federation:UrgeBeforeDeadline"] = "00:00:01",
                ["Federation:SuperviseAfterDeadline"] = "00:00:01",
                ["Federation:NoticeAfterSupervision"] = "00:00:02",
            });

    public async Task DisposeAsync() => await _federation.DisposeAsync();

    private static async Task<string> AssignAsync(TestNode assigner, string target, DateTimeOffset? deadline, string description = "某出租车公司多次拒载，请核查处理")
    {
        var response = await assigner.Client.PostAsJsonAsync("/api/v1/assignments",
            new { targetNode = target, type = "complaint", description, deadline });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("caseNumber").GetString()!;
    }

    private static async Task<JsonElement> ViewAsync(TestNode assigner, string caseNumber) =>
        await assigner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/assignments/{caseNumber}");

    [Fact]
    public async Task An_assignment_from_the_ministry_reaches_the_city_and_its_result_comes_back_on_time()
    {
        var ministry = _federation["100000"];
        var city = _federation["440300"].City!;
        var deadline = DateTimeOffset.UtcNow.AddDays(5);
        var caseNumber = await AssignAsync(ministry, "440300", deadline);
        Assert.Matches(@"^100000-\d{8}-\d{6}$", caseNumber);

        await Poller.UntilAsync(() => city.ByOrigin(caseNumber) is not null, what: "the 交办 case at 深圳");
        var local = city.ByOrigin(caseNumber)!;
        Assert.Equal(IncomingChannel.Assignment, local.Origin!.Channel);
        Assert.Equal("100000", local.Origin.OriginNode);
        Assert.Equal(deadline.ToUnixTimeSeconds(), local.Deadline!.Value.ToUnixTimeSeconds());

        city.ChangeStatus(local.CaseNumber, "handling", "已联系企业核查");
        city.ChangeStatus(local.CaseNumber, "closed", "已责令企业整改并对司机罚款");

        var view = await Poller.UntilAsync(() => ViewAsync(ministry, caseNumber),
            v => v.GetProperty("status").GetString() == "resolved", what: "the result at the ministry");
        Assert.Equal(local.CaseNumber, view.GetProperty("handlerCaseNumber").GetString());
        Assert.Equal("已责令企业整改并对司机罚款", view.GetProperty("result").GetString());
        Assert.False(view.GetProperty("overdue").GetBoolean());
        var kinds = view.GetProperty("feedback").EnumerateArray().Select(f => f.GetProperty("kind").GetString()).ToList();
        Assert.Contains("progressed", kinds);
        Assert.Contains("resolved", kinds);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("urgedAt").ValueKind);

        var review = await ministry.Client.PostAsJsonAsync($"/api/v1/assignments/{caseNumber}/review", new { accept = true, comment = "同意办结" });
        review.EnsureSuccessStatusCode();
        var accepted = await ViewAsync(ministry, caseNumber);
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.Equal(1, city.AcceptCalls);
    }

    [Fact]
    public async Task An_overdue_assignment_is_urged_then_supervised_then_publicly_noticed()
    {
        var province = _federation["440000"];
        var city = _federation["440300"].City!;
        var caseNumber = await AssignAsync(province, "440300", DateTimeOffset.UtcNow.AddSeconds(3), "高速服务区乱收费");
        await Poller.UntilAsync(() => city.ByOrigin(caseNumber) is not null, what: "the 交办 case at 深圳");

        var view = await Poller.UntilAsync(() => ViewAsync(province, caseNumber),
            v => v.GetProperty("noticedAt").ValueKind != JsonValueKind.Null, TimeSpan.FromSeconds(40), "催办 → 督办 → 通报");
        var urged = view.GetProperty("urgedAt").GetDateTimeOffset();
        var supervised = view.GetProperty("supervisedAt").GetDateTimeOffset();
        var noticed = view.GetProperty("noticedAt").GetDateTimeOffset();
        Assert.True(urged <= supervised && supervised < noticed, $"order {urged:O} < {supervised:O} < {noticed:O}");
        Assert.True(view.GetProperty("overdue").GetBoolean());

        var reminders = await Poller.UntilAsync(() => Task.FromResult(city.Reminders.Select(r => r.Kind).OrderBy(k => k).ToList()),
            k => k.Count == 3, what: "three reminders at the city");
        Assert.Equal(["noticed", "supervised", "urged"], reminders);
        Assert.All(city.Reminders, r => Assert.Equal(caseNumber, r.CaseNumber));
    }

    [Fact]
    public async Task A_resolved_assignment_is_not_urged_and_a_result_sent_back_reaches_the_city()
    {
        var province = _federation["440000"];
        var city = _federation["440300"].City!;
        var caseNumber = await AssignAsync(province, "440300", DateTimeOffset.UtcNow.AddSeconds(4), "公交车站牌信息错误");
        await Poller.UntilAsync(() => city.ByOrigin(caseNumber) is not null, what: "the case at 深圳");
        city.ChangeStatus(city.ByOrigin(caseNumber)!.CaseNumber, "closed", "已更正站牌");
        await Poller.UntilAsync(() => ViewAsync(province, caseNumber), v => v.GetProperty("status").GetString() == "resolved", what: "resolved");

        var sentBack = await province.Client.PostAsJsonAsync($"/api/v1/assignments/{caseNumber}/review", new { accept = false, comment = "请补充整改照片" });
        sentBack.EnsureSuccessStatusCode();
        await Poller.UntilAsync(() => city.Reminders.Any(r => r.Kind == "sentBack" && r.Text == "请补充整改照片"), what: "the send-back at the city");

        // Now open again, it will be urged; after a new result nothing more.
        var again = await Poller.UntilAsync(() => ViewAsync(province, caseNumber), v => v.GetProperty("urgedAt").ValueKind != JsonValueKind.Null,
            TimeSpan.FromSeconds(20), "催办 after the send-back");
        Assert.Equal("sentBack", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bad_assignments_are_refused_with_problem_details_naming_each_field()
    {
        var province = _federation["440000"];
        var response = await province.Client.PostAsJsonAsync("/api/v1/assignments",
            new { targetNode = "320100", type = "gossip", description = "", deadline = DateTimeOffset.UtcNow.AddDays(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("targetNode", out _));
        Assert.True(errors.TryGetProperty("type", out _));
        Assert.True(errors.TryGetProperty("description", out _));
        Assert.True(errors.TryGetProperty("deadline", out _));

        var missing = await province.Client.GetAsync(new Uri("/api/v1/assignments/440000-20990101-000001", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
