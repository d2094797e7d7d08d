namespace Hotline.Knowledge.Tests.Support;

/// <summary>The staff of the tests and the calls they make on the knowledge API.</summary>
internal sealed class Staff(KnowledgeHost host)
{
    public const string Api = "/api/v1/knowledge";

    public HttpClient Editor { get; } = host.As("editor1", "editor");
    public HttpClient Editor2 { get; } = host.As("editor2", "editor");
    public HttpClient Reviewer { get; } = host.As("reviewer1", "reviewer");
    public HttpClient Admin { get; } = host.As("admin1", "admin");
    public HttpClient Agent { get; } = host.As("agent1", "agent");
    public HttpClient Public { get; } = host.Anonymous();

    public static object Article(string code, string title, string body, string library = "faq", string? category = "030200",
        string[]? keywords = null, int? revision = null) =>
        new { library, code, title, body, category, keywords = keywords ?? [], revision };

    public async Task<long> CreateAsync(string code, string title, string body, string library = "faq", string[]? keywords = null)
    {
        var created = await Editor.PostAsJsonAsync($"{Api}/articles", Article(code, title, body, library, keywords: keywords)).Ok();
        return created.GetProperty("id").GetInt64();
    }

    /// <summary>Create → submit → approve: online as version 1.</summary>
    public async Task<long> PublishAsync(string code, string title, string body, string library = "faq", string[]? keywords = null)
    {
        var id = await CreateAsync(code, title, body, library, keywords);
        await Editor.PostAsJsonAsync($"{Api}/articles/{id}/submit", new { comment = "ready" }).Ok();
        await Reviewer.PostAsJsonAsync($"{Api}/articles/{id}/approve", new { }).Ok();
        return id;
    }

    public async Task<JsonElement> GetAsync(long id) => (await Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}")).GetProperty("article");

    public async Task<string[]> SearchCodesAsync(HttpClient client, string q, string extra = "")
    {
        var result = await client.GetAsync($"{Api}/search?q={Uri.EscapeDataString(q)}{extra}").Ok();
        return [.. result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("code").GetString()!)];
    }

    public async Task<string[]> EventKindsAsync(long id)
    {
        var events = await Editor.GetFromJsonAsync<JsonElement>($"{Api}/articles/{id}/events");
        return [.. events.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!)];
    }
}
