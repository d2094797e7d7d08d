namespace Hotline.Knowledge.Tests;

/// <summary>Check-out/check-in, lock conflicts, the administrator's recorded break, versions compared and restored.</summary>
public sealed class LockAndVersionTests : IAsyncLifetime
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
    public async Task Checked_out_article_is_readable_but_not_editable_by_others()
    {
        var id = await _staff.CreateAsync("L-1", "标题", "正文");
        await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("L-1", "标题", "改")).Fails(HttpStatusCode.Conflict);

        var locked = await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        Assert.Equal("editor1", locked.GetProperty("lockedBy").GetString());

        var other = await _staff.Editor2.PostAsync($"{Api}/articles/{id}/checkout", null).Fails(HttpStatusCode.Conflict);
        Assert.Contains("checked out by editor1", other.GetProperty("detail").GetString());
        await _staff.Editor2.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("L-1", "标题", "他人修改")).Fails(HttpStatusCode.Conflict);
        await _staff.Editor2.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Fails(HttpStatusCode.Conflict);
        await _staff.Editor2.PostAsync($"{Api}/articles/{id}/checkin", null).Fails(HttpStatusCode.Conflict);
        Assert.Equal("正文", (await _staff.Editor2.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}")).GetProperty("article").GetProperty("body").GetString());

        await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("L-1", "标题", "本人修改")).Ok();
        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkin", null).Ok();
        await _staff.Editor2.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        Assert.Equal(["created", "checkedOut", "saved", "checkedIn", "checkedOut"], await _staff.EventKindsAsync(id));
    }

    [Fact]
    public async Task Only_an_administrator_breaks_a_lock_with_a_reason_and_it_is_recorded()
    {
        var id = await _staff.CreateAsync("L-2", "标题", "正文");
        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        await _staff.Editor2.PostAsJsonAsync($"{Api}/articles/{id}/break-lock", new { comment = "急用" }).Fails(HttpStatusCode.Forbidden);
        var noReason = await _staff.Admin.PostAsJsonAsync($"{Api}/articles/{id}/break-lock", new { comment = "" }).Fails(HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));

        var broken = await _staff.Admin.PostAsJsonAsync($"{Api}/articles/{id}/break-lock", new { comment = "editor1 休假" }).Ok();
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("lockedBy").ValueKind);
        var events = await _staff.Admin.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/events");
        var last = events.GetProperty("items").EnumerateArray().Last();
        Assert.Equal("lockBroken", last.GetProperty("kind").GetString());
        Assert.Equal("admin1", last.GetProperty("actor").GetString());
        Assert.Equal("editor1: editor1 休假", last.GetProperty("comment").GetString());

        await _staff.Editor2.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("L-2", "标题", "旧锁")).Fails(HttpStatusCode.Conflict);
        await _staff.Admin.PostAsJsonAsync($"{Api}/articles/{id}/break-lock", new { comment = "x" }).Ok();
        await _staff.Admin.PostAsJsonAsync($"{Api}/articles/{id}/break-lock", new { comment = "x" }).Fails(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_stale_revision_is_refused()
    {
        var id = await _staff.CreateAsync("L-3", "标题", "正文");
        var locked = await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        var rev = locked.GetProperty("revision").GetInt32();
        await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("L-3", "标题", "一", revision: rev)).Ok();
        var stale = await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("L-3", "标题", "二", revision: rev)).Fails(HttpStatusCode.Conflict);
        Assert.Contains("reload", stale.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Versions_are_listed_compared_and_restored()
    {
        var id = await _staff.PublishAsync("V-1", "出租车起步价", "起步价10元\n续租价2.6元/公里\n夜间加收20%");
        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("V-1", "出租车起步价调整", "起步价12元\n续租价2.6元/公里\n夜间加收20%", keywords: ["调价"])).Ok();
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Ok();

        var versions = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/versions");
        Assert.Equal([2, 1], versions.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("number").GetInt32()));
        var v1 = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/versions/1");
        Assert.Contains("起步价10元", v1.GetProperty("body").GetString());
        await _staff.Editor.GetAsync($"{Api}/articles/{id}/versions/9").Fails(HttpStatusCode.NotFound);

        var diff = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/diff?from=1&to=2");
        var lines = diff.GetProperty("lines").EnumerateArray().Select(l => $"{l.GetProperty("kind").GetString()}:{l.GetProperty("text").GetString()}").ToArray();
        Assert.Equal(["removed:起步价10元", "added:起步价12元", "same:续租价2.6元/公里", "same:夜间加收20%"], lines);
        var fields = diff.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()!).ToArray();
        Assert.Equal(["title", "keywords"], fields);

        await _staff.Editor.PostAsync($"{Api}/articles/{id}/versions/1/restore", null).Fails(HttpStatusCode.Conflict);
        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        var restored = await _staff.Editor.PostAsync($"{Api}/articles/{id}/versions/1/restore", null).Ok();
        Assert.Equal("draft", restored.GetProperty("status").GetString());
        Assert.Equal("出租车起步价", restored.GetProperty("title").GetString());
        Assert.StartsWith("起步价10元", restored.GetProperty("body").GetString());
        Assert.Equal(2, restored.GetProperty("liveVersion").GetInt32());
        var same = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/diff?from=1");
        Assert.All(same.GetProperty("lines").EnumerateArray(), l => Assert.Equal("same", l.GetProperty("kind").GetString()));
        Assert.Equal("restored", (await _staff.EventKindsAsync(id)).Last());

        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkin", null).Ok();
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var v3 = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Ok();
        Assert.Equal(3, v3.GetProperty("liveVersion").GetInt32());
    }

    [Fact]
    public async Task Script_in_content_is_never_passed_to_the_page()
    {
        const string evil = """
            # 标题
            <script>window.__xss = 1</script>
            <img src="x" onerror="window.__xss = 2">
            [点我](javascript:window.__xss=3)
            <iframe src="https://evil.example"></iframe>
            ![图](javascript:alert(1))

            | 项目 | 标准 |
            | --- | --- |
            | 起步价 | 10元 |
            """;
        var id = await _staff.PublishAsync("X-1", "<b onmouseover=alert(1)>标题</b>", evil);
        var view = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}");
        foreach (var html in new[] { view.GetProperty("html").GetString()!, view.GetProperty("liveHtml").GetString()! })
        {
            var dom = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
            Assert.Empty(dom.QuerySelectorAll("script, iframe, object, embed, form"));
            Assert.DoesNotContain(dom.All.SelectMany(e => e.Attributes), a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(dom.All.SelectMany(e => e.Attributes), a => a.Value.TrimStart().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase));
            Assert.NotEmpty(dom.QuerySelectorAll("a"));
            Assert.Contains("<table>", html, StringComparison.Ordinal);
            Assert.Contains("<td>10元</td>", html, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        }

        var hit = await _staff.Public.GetFromJsonAsync<JsonElement>($"{Api}/search?q=起步价");
        var highlight = hit.GetProperty("items")[0].GetProperty("highlight").GetString()!;
        Assert.DoesNotContain("<script", highlight, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<mark>", highlight, StringComparison.Ordinal);
    }
}
