using System.Text.RegularExpressions;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>The public case API contract (docs/architecture.md, "Outside interfaces"): 201 / 400 naming each field and storing nothing / 404.</summary>
public sealed partial class PublicApiTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static object Complaint(string description = "出租车司机拒载，车牌粤B12345，在深圳北站。") => new
    {
        type = "complaint",
        category = "030200",
        description,
        phone = "13812345678",
        name = "张三",
        enterprise = "深圳市鹏程出租汽车有限公司",
        occurredAt = "2026-11-24T20:15:00+08:00",
        location = "深圳北站",
    };

    [Fact]
    public async Task Create_returns_201_with_a_case_number_from_the_region_code_and_a_query_code()
    {
        var client = _host.Anonymous();
        var first = await client.PostJson("/api/v1/cases", Complaint());
        var second = await client.PostJson("/api/v1/cases", Complaint("公交车23路不按站停靠，乘客无法下车。"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var a = await first.Json();
        var b = await second.Json();
        Assert.Equal("440300-20261125-000001", a.GetProperty("caseNumber").GetString());
        Assert.Equal("440300-20261125-000002", b.GetProperty("caseNumber").GetString());
        Assert.Matches(QueryCode(), a.GetProperty("queryCode").GetString()!);
        Assert.Equal("/api/v1/cases/440300-20261125-000001", first.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Citizen_reads_status_and_timeline_with_the_query_code_and_sees_the_phone_masked()
    {
        var client = _host.Anonymous();
        var created = await (await client.PostJson("/api/v1/cases", Complaint())).Json();
        var number = created.GetProperty("caseNumber").GetString();
        var code = created.GetProperty("queryCode").GetString();

        var response = await client.GetAsync($"/api/v1/cases/{number}?queryCode={code}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var view = JsonDocument.Parse(body).RootElement;
        Assert.Equal("accepted", view.GetProperty("status").GetString());
        Assert.Equal("138****5678", view.GetProperty("maskedPhone").GetString());
        Assert.Equal("accepted", view.GetProperty("timeline")[0].GetProperty("kind").GetString());
        Assert.DoesNotContain("13812345678", body, StringComparison.Ordinal);
        Assert.DoesNotContain("张三", body, StringComparison.Ordinal);
        Assert.True(view.TryGetProperty("deadline", out var deadline) && deadline.ValueKind == JsonValueKind.String);
    }

    [Theory]
    [InlineData("WRONGCOD")]
    [InlineData("")]
    public async Task Wrong_query_code_is_404_problem_details(string code)
    {
        var client = _host.Anonymous();
        var created = await (await client.PostJson("/api/v1/cases", Complaint())).Json();
        var response = await client.GetAsync($"/api/v1/cases/{created.GetProperty("caseNumber").GetString()}?queryCode={code}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(404, (await response.Json()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Unknown_case_is_404_like_a_wrong_code()
    {
        var response = await _host.Anonymous().GetAsync("/api/v1/cases/440300-20261125-999999?queryCode=ABCDEFGH");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_400_naming_every_bad_field_and_nothing_is_stored()
    {
        var response = await _host.Anonymous().PostJson("/api/v1/cases", new
        {
            type = "rant",
            category = "999999",
            description = "短",
            phone = "not-a-phone",
            name = new string('名', 51),
            occurredAt = "yesterday-ish",
            location = new string('路', 201),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await response.Json()).GetProperty("errors");
        var named = errors.EnumerateObject().Select(p => p.Name).Order().ToArray();

        // Unreadable fields and the business rules are named together; the category is not judged against a type that
        // could not be read.
        Assert.Equal(new[] { "description", "location", "name", "occurredAt", "phone", "type" }, named);

        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Semantic_errors_name_each_field_once_types_parse()
    {
        var response = await _host.Anonymous().PostJson("/api/v1/cases", new
        {
            type = "complaint",
            category = "999999",
            description = "短",
            phone = "not-a-phone",
            name = new string('名', 51),
            occurredAt = "2099-01-01T00:00:00Z",
            location = new string('路', 201),
            enterprise = new string('企', 101),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Json()).GetProperty("errors");
        var named = errors.EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(new[] { "category", "description", "enterprise", "location", "name", "occurredAt", "phone" }, named);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Wrong_json_types_and_missing_fields_are_named()
    {
        var response = await _host.Anonymous().PostJson("/api/v1/cases", new { description = 42, phone = true });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Json()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("type", out _));
        Assert.True(errors.TryGetProperty("description", out _));
        Assert.True(errors.TryGetProperty("phone", out _));
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Malformed_json_and_wrong_content_type_are_400()
    {
        var client = _host.Anonymous();
        var malformed = await client.PostAsync("/api/v1/cases", new StringContent("{\"type\": ", System.Text.Encoding.UTF8, "application/json"));
        var text = await client.PostAsync("/api/v1/cases", new StringContent("type=complaint", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
        Assert.True((await malformed.Json()).GetProperty("errors").TryGetProperty("body", out _));
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Html_and_script_are_kept_as_text_and_returned_as_text()
    {
        const string evil = "<script>alert('x')</script><b>出租车</b>绕路 & 多收费";
        var client = _host.Anonymous();
        var created = await (await client.PostJson("/api/v1/cases", Complaint(evil))).Json();
        var number = created.GetProperty("caseNumber").GetString();
        var response = await client.GetAsync($"/api/v1/cases/{number}?queryCode={created.GetProperty("queryCode").GetString()}");
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(evil, JsonDocument.Parse(raw).RootElement.GetProperty("description").GetString());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType); // data, never rendered as HTML

        var page = await _host.As("agent1", "agent").GetStringAsync($"/staff/cases/{number}");
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staff_read_without_a_query_code_needs_authentication()
    {
        var created = await (await _host.Anonymous().PostJson("/api/v1/cases", Complaint())).Json();
        var number = created.GetProperty("caseNumber").GetString();
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Anonymous().GetAsync($"/api/v1/cases/{number}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Anonymous().GetAsync($"/api/v1/cases/{number}/duplicates")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.As("agent1", "agent").GetAsync($"/api/v1/cases/{number}")).StatusCode);
    }

    [Fact]
    public async Task The_public_api_is_rate_limited_per_address_with_retry_after_and_staff_are_not()
    {
        await using var host = await TicketingHost.StartAsync(settings: new() { ["RateLimiting:Public:Endpoints:case-filing:PermitLimit"] = "3" });
        var client = host.Anonymous();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            responses.Add(await client.PostJson("/api/v1/cases", Complaint()));
        }

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(2, refused.Count);
        foreach (var response in refused)
        {
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {response.Headers.RetryAfter}");
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        }

        // Staff filing for callers are not the public: not limited by the citizens' budget.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await host.As("agent1", "agent").PostJson("/api/v1/cases", Complaint())).StatusCode);
        }
    }

    private async Task AssertNothingStoredAsync()
    {
        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.Equal(0, await db.Cases.CountAsync());
        Assert.Equal(0, await db.Events.CountAsync());
        Assert.Equal(0, await db.Feed.CountAsync());
    }

    [GeneratedRegex("^[A-Z2-9]{8}$")]
    private static partial Regex QueryCode();
}
