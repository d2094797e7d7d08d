using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Knowledge.Tests;

/// <summary>
/// The same store on a real PostgreSQL (HOTLINE_TEST_POSTGRES, exported by scripts/test.sh): schema <c>knowledge</c>,
/// demo seed, the life cycle with a version and the audit trail, import idempotence and the rebuild from the database.
/// SQLite runs every other test class.
/// </summary>
public sealed class PostgresTests : IAsyncLifetime
{
    private KnowledgeHost _host = null!;
    private Staff _staff = null!;
    private const string Api = Staff.Api;

    public async Task InitializeAsync()
    {
        _host = await KnowledgeHost.StartAsync(postgres: true, seedDemo: true);
        _staff = new Staff(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Life_cycle_versions_import_and_search_on_postgres()
    {
        Assert.Equal("FAQ-TAXI-001", (await _staff.SearchCodesAsync(_staff.Public, "出租车起步价"))[0]);

        var id = await _staff.PublishAsync("PG-1", "轮渡票价", "单程5元。");
        await _staff.Editor.PostAsync($"{Api}/articles/{id}/checkout", null).Ok();
        await _staff.Editor.PutAsJsonAsync($"{Api}/articles/{id}", Staff.Article("PG-1", "轮渡票价", "单程6元。")).Ok();
        await _staff.Editor2.PostAsync($"{Api}/articles/{id}/checkout", null).Fails(HttpStatusCode.Conflict);
        await _staff.Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { }).Ok();
        var v2 = await _staff.Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Ok();
        Assert.Equal(2, v2.GetProperty("liveVersion").GetInt32());
        var diff = await _staff.Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/diff?from=1&to=2");
        Assert.Equal(["removed:单程5元。", "added:单程6元。"],
            diff.GetProperty("lines").EnumerateArray().Select(l => $"{l.GetProperty("kind").GetString()}:{l.GetProperty("text").GetString()}"));
        Assert.Equal(["created", "submitted", "published", "checkedOut", "saved", "submitted", "published"], await _staff.EventKindsAsync(id));

        var body = new { library = "faq", publish = true, articles = new[] { new { code = "PG-2", title = "水上巴士", body = "每半小时一班。" } } };
        Assert.Equal(1, (await _staff.Admin.PostAsJsonAsync($"{Api}/import", body).Ok()).GetProperty("imported").GetInt32());
        Assert.Equal(1, (await _staff.Admin.PostAsJsonAsync($"{Api}/import", body).Ok()).GetProperty("unchanged").GetInt32());

        await using var scope = _host.Scope();
        var sync = scope.ServiceProvider.GetRequiredService<Hotline.Knowledge.Search.IndexSync>();
        var db = scope.ServiceProvider.GetRequiredService<Hotline.Knowledge.Persistence.KnowledgeDbContext>();
        Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
        Assert.Equal(await db.Articles.CountAsync(a => a.Online), await sync.RebuildAsync(db, CancellationToken.None));
        Assert.Equal("PG-1", (await _staff.SearchCodesAsync(_staff.Public, "轮渡票价"))[0]);
    }
}
