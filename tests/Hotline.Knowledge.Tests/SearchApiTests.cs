using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Knowledge.Tests;

/// <summary>GET /api/v1/knowledge/search as CONTRACTS.md says, scoped by login, with filters, synonyms as data and ranking by use.</summary>
public sealed class SearchApiTests : IAsyncLifetime
{
    private KnowledgeHost _host = null!;
    private Staff _staff = null!;
    private const string Api = Staff.Api;

    public async Task InitializeAsync()
    {
        _host = await KnowledgeHost.StartAsync(seedDemo: true);
        _staff = new Staff(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Anonymous_search_answers_in_the_contract_shape_over_faq_only()
    {
        var result = await _staff.Public.GetAsync($"{Api}/search?q={Uri.EscapeDataString("出租车起步价")}").Ok();
        var first = result.GetProperty("items")[0];
        Assert.Equal("FAQ-TAXI-001", first.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.String, first.GetProperty("id").ValueKind);
        Assert.Equal("faq", first.GetProperty("library").GetString());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("title").GetString()));
        Assert.Contains("起步价", first.GetProperty("snippet").GetString());
        Assert.DoesNotContain("<mark>", first.GetProperty("snippet").GetString());
        Assert.Contains("<mark>", first.GetProperty("highlight").GetString());

        // 夜间公交 is in the staff library 'routes': not for the public, found with a login.
        Assert.DoesNotContain("ROUTE-002", await _staff.SearchCodesAsync(_staff.Public, "夜间公交线路"));
        Assert.Contains("ROUTE-002", await _staff.SearchCodesAsync(_staff.Agent, "夜间公交线路"));
        var hidden = await _staff.Public.GetAsync($"{Api}/search?q=x&library=routes").Fails(HttpStatusCode.NotFound);
        Assert.Contains("not public", hidden.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Bad_search_input_is_named()
    {
        var missing = await _staff.Public.GetAsync($"{Api}/search").Fails(HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("q", out _));
        var bad = await _staff.Public.GetAsync($"{Api}/search?q=a&limit=500&valid=yesterday").Fails(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("limit", out _));
        Assert.True(bad.GetProperty("errors").TryGetProperty("valid", out _));
    }

    [Fact]
    public async Task Pinyin_initials_find_as_you_type()
    {
        var codes = await _staff.SearchCodesAsync(_staff.Agent, "czc");
        Assert.NotEmpty(codes);
        Assert.All(codes.Take(3), c => Assert.StartsWith("FAQ-TAXI-", c));
        Assert.Contains("FAQ-RIDE-001", await _staff.SearchCodesAsync(_staff.Agent, "wyc"));
    }

    [Fact]
    public async Task Filters_by_library_and_category()
    {
        var enterprises = await _staff.SearchCodesAsync(_staff.Agent, "网约车", "&library=enterprises");
        Assert.Equal("ENT-002", enterprises[0]);
        Assert.All(enterprises, c => Assert.StartsWith("ENT-", c));
        var taxi = await _staff.SearchCodesAsync(_staff.Agent, "投诉", "&category=030200");
        Assert.NotEmpty(taxi);
        Assert.All(taxi, c => Assert.True(c.StartsWith("FAQ-TAXI-", StringComparison.Ordinal) || c.StartsWith("ENT-001", StringComparison.Ordinal), c));
    }

    [Fact]
    public async Task Validity_dates_filter_unless_all_is_asked()
    {
        var created = await _staff.Editor.PostAsJsonAsync($"{Api}/articles",
            new { library = "faq", code = "OLD-1", title = "旧版月票政策", body = "月票政策已到期。", validFrom = "2020-01-01", validTo = "2021-12-31" }).Ok();
        var id = created.GetProperty("id").GetInt64();
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Ok();
        Assert.DoesNotContain("OLD-1", await _staff.SearchCodesAsync(_staff.Agent, "月票政策"));
        Assert.Contains("OLD-1", await _staff.SearchCodesAsync(_staff.Agent, "月票政策", "&valid=all"));
        Assert.Contains("OLD-1", await _staff.SearchCodesAsync(_staff.Agent, "月票政策", "&valid=2021-06-01"));
    }

    [Fact]
    public async Task Synonyms_are_data_an_editor_extends()
    {
        Assert.DoesNotContain("FAQ-METRO-001", await _staff.SearchCodesAsync(_staff.Public, "捷运"));
        var current = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/synonyms");
        var groups = current.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToList();
        Assert.Contains(groups, g => g.Contains("的士", StringComparison.Ordinal) && g.Contains("出租车", StringComparison.Ordinal));
        groups.Add("捷运,地铁");
        await _staff.Agent.PutAsJsonAsync($"{Api}/synonyms", new { groups }).Fails(HttpStatusCode.Forbidden);
        var lone = await _staff.Editor.PutAsJsonAsync($"{Api}/synonyms", new { groups = new[] { "孤词" } }).Fails(HttpStatusCode.BadRequest);
        Assert.True(lone.GetProperty("errors").TryGetProperty("groups[0]", out _));
        await _staff.Editor.PutAsJsonAsync($"{Api}/synonyms", new { groups }).Ok();
        Assert.Contains("FAQ-METRO-001", (await _staff.SearchCodesAsync(_staff.Public, "捷运")).Take(3));
    }

    [Fact]
    public async Task Use_lifts_an_article_among_equally_relevant_ones()
    {
        var a = await _staff.PublishAsync("USE-A", "轮渡时刻表", "轮渡首班7:00。");
        var b = await _staff.PublishAsync("USE-B", "轮渡时刻表", "轮渡首班7:00。");
        var before = await _staff.SearchCodesAsync(_staff.Agent, "轮渡时刻表");
        var lower = before[0] == "USE-A" ? b : a;
        var lowerCode = before[0] == "USE-A" ? "USE-B" : "USE-A";
        for (var i = 0; i < 5; i++)
        {
            await _staff.Agent.PostAsync($"{Api}/articles/{lower}/used", null).Ok();
        }

        Assert.Equal(lowerCode, (await _staff.SearchCodesAsync(_staff.Agent, "轮渡时刻表"))[0]);
    }

    [Fact]
    public async Task Index_rebuilds_from_the_database()
    {
        await using var scope = _host.Scope();
        var sync = scope.ServiceProvider.GetRequiredService<Hotline.Knowledge.Search.IndexSync>();
        var db = scope.ServiceProvider.GetRequiredService<Hotline.Knowledge.Persistence.KnowledgeDbContext>();
        sync.Index.Rebuild([]);
        Assert.Empty(await _staff.SearchCodesAsync(_staff.Public, "起步价"));
        var n = await sync.RebuildAsync(db, CancellationToken.None);
        Assert.Equal(await db.Articles.CountAsync(x => x.Online), n);
        Assert.Contains("FAQ-TAXI-001", await _staff.SearchCodesAsync(_staff.Public, "起步价"));
    }
}
