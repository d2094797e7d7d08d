using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Knowledge.Tests;

/// <summary>Every life-cycle transition through the staff API, each one audited.</summary>
public sealed class LifecycleTests : IAsyncLifetime
{
    private KnowledgeHost _host = null!;
    private Staff _staff = null!;
    private const string Api = Staff.Api;

    public async Task InitializeAsync()
    {
        _host = await KnowledgeHost.StartAsync();
        _staff = new Staff(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Draft_goes_through_review_to_published_version_1_and_is_found()
    {
        var id = await _staff.CreateAsync("FAQ-T-1", "出租车起步价", "起步价为首3公里10元。", keywords: ["起步价"]);
        var draft = await _staff.GetAsync(id);
        Assert.Equal("draft", draft.GetProperty("status").GetString());
        Assert.Empty(await _staff.SearchCodesAsync(_staff.Public, "起步价"));

        var submitted = await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { comment = "请审核" }).Ok();
        Assert.Equal("inReview", submitted.GetProperty("status").GetString());

        var published = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { comment = "同意" }).Ok();
        Assert.Equal("published", published.GetProperty("status").GetString());
        Assert.Equal(1, published.GetProperty("liveVersion").GetInt32());
        Assert.True(published.GetProperty("online").GetBoolean());
        Assert.Equal(["FAQ-T-1"], await _staff.SearchCodesAsync(_staff.Public, "起步价"));

        var events = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/events");
        var trail = events.GetProperty("items").EnumerateArray()
            .Select(e => $"{e.GetProperty("kind").GetString()}:{e.GetProperty("actor").GetString()}:{e.GetProperty("from").GetString()}>{e.GetProperty("to").GetString()}")
            .ToArray();
        Assert.Equal(["created:editor1:>draft", "submitted:editor1:draft>inReview", "published:reviewer1:inReview>published"], trail);
    }

    [Fact]
    public async Task Reviewer_sends_back_with_a_comment_and_the_comment_is_kept()
    {
        var id = await _staff.CreateAsync("FAQ-T-2", "标题", "正文");
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var noComment = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/send-back", new { comment = " " }).Fails(HttpStatusCode.BadRequest);
        Assert.True(noComment.GetProperty("errors").TryGetProperty("comment", out _));

        var back = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/send-back", new { comment = "请补充票价表" }).Ok();
        Assert.Equal("draft", back.GetProperty("status").GetString());
        var events = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/events");
        var last = events.GetProperty("items").EnumerateArray().Last();
        Assert.Equal("sentBack", last.GetProperty("kind").GetString());
        Assert.Equal("请补充票价表", last.GetProperty("comment").GetString());
        Assert.Equal("reviewer1", last.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Nobody_approves_their_own_submission_and_only_reviewers_approve()
    {
        var id = await _staff.CreateAsync("FAQ-T-3", "标题", "正文");
        await _staff.Admin.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var own = await _staff.Admin.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Fails(HttpStatusCode.Forbidden);
        Assert.Contains("another reviewer", own.GetProperty("detail").GetString());
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Fails(HttpStatusCode.Forbidden);
        await _staff.Agent.PostAsJsonAsync($"{Api}/articles", Staff.Article("X-1", "t", "b")).Fails(HttpStatusCode.Forbidden);
        await _staff.Public.PostAsJsonAsync($"{Api}/articles", Staff.Article("X-1", "t", "b")).Fails(HttpStatusCode.Unauthorized);
        await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Ok();
    }

    [Fact]
    public async Task Moves_the_status_refuses_are_conflicts_naming_what_is_allowed()
    {
        var id = await _staff.CreateAsync("FAQ-T-4", "标题", "正文");
        var approveDraft = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Fails(HttpStatusCode.Conflict);
        Assert.Contains("draft cannot be approved", approveDraft.GetProperty("detail").GetString());
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var twice = await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Fails(HttpStatusCode.Conflict);
        Assert.Contains("in review cannot be submitted", twice.GetProperty("detail").GetString());
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/expire", new { }).Fails(HttpStatusCode.Conflict);
        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Fails(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Scheduled_publication_goes_online_when_its_time_comes()
    {
        var id = await _staff.CreateAsync("FAQ-T-5", "春运售票时间", "春运期间售票提前到六点。");
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var at = _host.Clock.GetUtcNow().AddHours(2);
        var scheduled = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { publishAt = at }).Ok();
        Assert.Equal("scheduled", scheduled.GetProperty("status").GetString());
        Assert.False(scheduled.GetProperty("online").GetBoolean());

        Assert.Equal(0, await RunScheduleAsync());
        Assert.Empty(await _staff.SearchCodesAsync(_staff.Public, "春运"));

        _host.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await RunScheduleAsync());
        var article = await _staff.GetAsync(id);
        Assert.Equal("published", article.GetProperty("status").GetString());
        Assert.Equal(1, article.GetProperty("liveVersion").GetInt32());
        Assert.Equal(["FAQ-T-5"], await _staff.SearchCodesAsync(_staff.Public, "春运"));
        Assert.Equal(["created", "submitted", "scheduled", "published"], await _staff.EventKindsAsync(id));
    }

    [Fact]
    public async Task Scheduled_expiry_takes_the_article_offline_and_out_of_search()
    {
        var id = await _staff.CreateAsync("FAQ-T-6", "临时线路调整", "地铁施工期间公交临时绕行。");
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var past = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { expireAt = _host.Clock.GetUtcNow().AddMinutes(-1) })
            .Fails(HttpStatusCode.BadRequest);
        Assert.True(past.GetProperty("errors").TryGetProperty("expireAt", out _));
        await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { expireAt = _host.Clock.GetUtcNow().AddDays(3) }).Ok();
        Assert.Equal(["FAQ-T-6"], await _staff.SearchCodesAsync(_staff.Public, "临时绕行"));

        _host.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(1, await RunScheduleAsync());
        var article = await _staff.GetAsync(id);
        Assert.Equal("expired", article.GetProperty("status").GetString());
        Assert.False(article.GetProperty("online").GetBoolean());
        Assert.Empty(await _staff.SearchCodesAsync(_staff.Public, "临时绕行"));
        Assert.Equal("expired", (await _staff.EventKindsAsync(id)).Last());
    }

    [Fact]
    public async Task Reworking_a_published_article_keeps_version_1_online_until_version_2_is_approved()
    {
        var id = await _staff.PublishAsync("FAQ-T-7", "地铁运营时间", "地铁运营至23:00。");
        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        var saved = await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("FAQ-T-7", "地铁运营时间", "地铁运营延长至23:30。")).Ok();
        Assert.Equal("draft", saved.GetProperty("status").GetString());
        Assert.True(saved.GetProperty("online").GetBoolean());

        var shown = await _staff.Public.GetFromJsonAsync<JsonElement>($"{Api}/search?q=地铁运营");
        Assert.Contains("23:00", shown.GetProperty("items")[0].GetProperty("snippet").GetString());

        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var v2 = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Ok();
        Assert.Equal(2, v2.GetProperty("liveVersion").GetInt32());
        shown = await _staff.Public.GetFromJsonAsync<JsonElement>($"{Api}/search?q=地铁运营");
        Assert.Contains("23:30", shown.GetProperty("items")[0].GetProperty("snippet").GetString());
        Assert.Equal(2, shown.GetProperty("items")[0].GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Archive_takes_offline_and_reopen_starts_a_draft()
    {
        var id = await _staff.PublishAsync("FAQ-T-8", "旧政策", "已废止的规定。");
        var archived = await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/archive", new { comment = "政策废止" }).Ok();
        Assert.Equal("archived", archived.GetProperty("status").GetString());
        Assert.Empty(await _staff.SearchCodesAsync(_staff.Public, "废止"));
        var reopened = await _staff.Editor.PostAsync($"{Api}/articles/{id}/reopen", null).Ok();
        Assert.Equal("draft", reopened.GetProperty("status").GetString());
        Assert.False(reopened.GetProperty("online").GetBoolean());
        Assert.Equal(["created", "submitted", "published", "archived", "reopened"], await _staff.EventKindsAsync(id));
    }

    [Fact]
    public async Task Manual_expiry_of_a_published_article()
    {
        var id = await _staff.PublishAsync("FAQ-T-9", "收费标准", "旧收费标准。");
        var expired = await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/expire", new { comment = "新标准已出台" }).Ok();
        Assert.Equal("expired", expired.GetProperty("status").GetString());
        Assert.Empty(await _staff.SearchCodesAsync(_staff.Public, "收费标准"));
    }

    [Fact]
    public async Task Bad_fields_are_named_and_nothing_is_stored()
    {
        var bad = await _staff.Editor.PostAsJsonAsync($"{Api}/articles",
            new { library = "faq", code = "有 空格", title = "", body = "x", category = "abc", region = "12", validFrom = "2026-12-01", validTo = "2026-01-01" })
            .Fails(HttpStatusCode.BadRequest);
        var errors = bad.GetProperty("errors");
        foreach (var field in new[] { "code", "title", "category", "region", "validTo" })
        {
            Assert.True(errors.TryGetProperty(field, out _), field);
        }

        var list = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles", Staff.Article("A-1", "t", "b", library: "nope")).Fails(HttpStatusCode.NotFound);
        await _staff.CreateAsync("A-1", "t", "b");
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles", Staff.Article("A-1", "t2", "b2")).Fails(HttpStatusCode.Conflict);
    }

    private async Task<int> RunScheduleAsync()
    {
        await using var scope = _host.Scope();
        return await scope.ServiceProvider.GetRequiredService<Hotline.Knowledge.Articles.Review.ArticleReview>().RunScheduleAsync(CancellationToken.None);
    }
}
