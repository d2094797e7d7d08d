using System.Net.Http.Headers;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>Attachments: accepted types and sizes only, content checked against the declared type, downloads audited.</summary>
public sealed class AttachmentTests : IAsyncLifetime
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];
    private TicketingHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TicketingHost.StartAsync(settings: new() { ["Ticketing:MaxAttachmentBytes"] = "4096" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static MultipartFormDataContent File(byte[] content, string type, string name = "photo.png")
    {
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue(type);
        return new MultipartFormDataContent { { part, "file", name } };
    }

    private async Task<(string Number, string Code)> CreateAsync()
    {
        var response = await _host.Anonymous().PostJson("/api/v1/cases", new { type = "complaint", description = "出租车司机拒载，车牌粤B12345。", phone = "13812345678" });
        var body = await response.Json();
        return (body.GetProperty("caseNumber").GetString()!, body.GetProperty("queryCode").GetString()!);
    }

    [Fact]
    public async Task Citizen_attaches_a_photo_with_the_query_code_and_staff_download_it_audited()
    {
        var (number, code) = await CreateAsync();
        var added = await _host.Anonymous().PostAsync($"/api/v1/cases/{number}/attachments?queryCode={code}", File(Png, "image/png"));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var id = (await added.Json()).GetProperty("id").GetInt64();

        var agent = _host.As("agent1", "agent");
        var view = await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal("photo.png", view.GetProperty("attachments")[0].GetProperty("fileName").GetString());
        var download = await agent.GetAsync($"/api/v1/cases/{number}/attachments/{id}");
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Anonymous().GetAsync($"/api/v1/cases/{number}/attachments/{id}")).StatusCode);

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.True(await db.Audit.AnyAsync(a => a.Action == "attachment.read" && a.Actor == "agent1" && a.CaseNumber == number));
    }

    [Theory]
    [InlineData("application/x-msdownload", "file")]   // type not accepted
    [InlineData("image/jpeg", "file")]                 // PNG bytes declared as JPEG
    public async Task Wrong_content_types_are_refused_and_nothing_is_stored(string type, string field)
    {
        var (number, code) = await CreateAsync();
        var response = await _host.Anonymous().PostAsync($"/api/v1/cases/{number}/attachments?queryCode={code}", File(Png, type));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Json()).GetProperty("errors").TryGetProperty(field, out _));
        await AssertNoAttachmentsAsync();
    }

    [Fact]
    public async Task Oversize_files_are_refused()
    {
        var (number, code) = await CreateAsync();
        var big = new byte[8192];
        Png.CopyTo(big, 0);
        var response = await _host.Anonymous().PostAsync($"/api/v1/cases/{number}/attachments?queryCode={code}", File(big, "image/png"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger", (await response.Json()).GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        await AssertNoAttachmentsAsync();
    }

    [Fact]
    public async Task Wrong_query_code_cannot_attach()
    {
        var (number, _) = await CreateAsync();
        var response = await _host.Anonymous().PostAsync($"/api/v1/cases/{number}/attachments?queryCode=WRONG234", File(Png, "image/png"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await _host.Anonymous().PostAsync($"/api/v1/cases/{number}/attachments", File(Png, "image/png"))).StatusCode);
        await AssertNoAttachmentsAsync();
    }

    private async Task AssertNoAttachmentsAsync()
    {
        await using var scope = _host.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<TicketingDbContext>().Attachments.CountAsync());
    }
}
