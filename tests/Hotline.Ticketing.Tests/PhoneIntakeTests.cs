using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing.Tests;

/// <summary>电话受理 (the screen-pop page) and the case recording endpoint with its player.</summary>
public sealed partial class PhoneIntakeTests : IAsyncLifetime
{
    private const string Caller = "13912345678";
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_screen_pop_prefills_the_form_and_lists_the_callers_earlier_cases_masked()
    {
        var first = await LifecycleTests.CreateAsync(_host.Anonymous(), "出租车拒载，在罗湖火车站。", phone: Caller);
        var second = await LifecycleTests.CreateAsync(_host.Anonymous(), "公交车过站不停。", phone: Caller, category: "030100");
        var other = await LifecycleTests.CreateAsync(_host.Anonymous(), "地铁扶梯停运。", phone: "13700000000", category: "030400");

        var html = await _host.As("agent1", "agent").GetStringAsync($"/staff/cases/phone?phone={Caller}&callId=call-77&recordingId=20261125/call-77.wav&ivr=2");
        Assert.Contains($"value=\"{Caller}\"", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"inquiry\" selected=\"selected\">", html, StringComparison.Ordinal);
        Assert.Contains("call-77", html, StringComparison.Ordinal);
        var earlier = html[html.IndexOf("id=\"earlier-cases\"", StringComparison.Ordinal)..];
        Assert.Contains(first, earlier, StringComparison.Ordinal);
        Assert.Contains(second, earlier, StringComparison.Ordinal);
        Assert.DoesNotContain(other, earlier, StringComparison.Ordinal);
        Assert.DoesNotContain(Caller, earlier, StringComparison.Ordinal);
        Assert.Contains(Masking.Phone(Caller), earlier, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await _host.As("analyst1", "analyst").GetAsync($"/staff/cases/phone?phone={Caller}")).StatusCode);
        await using var scope = _host.Scope();
        var audit = await scope.ServiceProvider.GetRequiredService<TicketingDbContext>().Audit.Where(a => a.Action == "pii.search").ToListAsync();
        Assert.Contains(audit, a => a.Actor == "agent1" && a.Detail!.Contains(Masking.Phone(Caller), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Saving_from_a_call_files_a_phone_case_with_its_recording_and_refuses_bad_fields()
    {
        var agent = _host.As("agent1", "agent");
        var url = $"/staff/cases/phone?phone={Caller}&callId=call-78&recordingId=20261125/call-78.wav&ivr=1";
        var page = await agent.GetAsync(url);
        var token = Token().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        var cookie = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        HttpRequestMessage Post(Dictionary<string, string> form)
        {
            form["__RequestVerificationToken"] = token;
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add("Cookie", cookie);
            return request;
        }

        var form = new Dictionary<string, string>
        {
            ["Phone"] = Caller, ["CallId"] = "call-78", ["RecordingId"] = "20261125/call-78.wav", ["Type"] = "complaint", ["Category"] = "030200",
            ["Priority"] = "normal", ["Description"] = "x", ["Name"] = "张三",
        };
        var bad = await agent.SendAsync(Post(new Dictionary<string, string>(form)));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("data-field=\"description\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        form["Description"] = "出租车司机绕路，车牌粤B77777，从机场到福田多收 60 元。";
        var saved = await agent.SendAsync(Post(form));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var number = Regex.Match(saved.Headers.Location!.OriginalString, "cases/([0-9-]+)").Groups[1].Value;
        var view = await agent.GetFromJsonAsync<JsonElement>($"/api/v1/cases/{number}");
        Assert.Equal("phone", view.GetProperty("channel").GetString());
        Assert.Equal("20261125/call-78.wav", view.GetProperty("recordingId").GetString());
        Assert.Contains("call:call-78", view.GetProperty("timeline")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(Caller, view.GetProperty("phone").GetString());
    }

    [Fact]
    public async Task The_recording_of_a_case_streams_to_staff_audited_and_is_404_when_there_is_none()
    {
        var storage = _host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var folder = Path.Combine(storage.NodeDirectory(TicketingHost.NodeId), "recordings", "20261125");
        Directory.CreateDirectory(folder);
        var wav = new byte[1044];
        "RIFF"u8.CopyTo(wav);
        "WAVE"u8.CopyTo(wav.AsSpan(8));
        await File.WriteAllBytesAsync(Path.Combine(folder, "call-79.wav"), wav);

        var agent = _host.As("agent1", "agent");
        var created = await agent.PostJson("/api/v1/staff/cases", new
        {
            channel = "phone", type = "inquiry", description = "咨询机场大巴时刻表。", phone = Caller, recordingId = "20261125/call-79.wav",
        });
        var number = (await created.Json()).GetProperty("caseNumber").GetString()!;
        var withoutRecording = await LifecycleTests.CreateAsync(_host.Anonymous(), "公交车过站不停。", category: "030100");

        var played = await agent.GetAsync($"/api/v1/cases/{number}/recording");
        Assert.Equal(HttpStatusCode.OK, played.StatusCode);
        Assert.Equal("audio/wav", played.Content.Headers.ContentType!.MediaType);
        Assert.Equal(wav, await played.Content.ReadAsByteArrayAsync());
        var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/cases/{number}/recording");
        range.Headers.Range = new RangeHeaderValue(0, 3);
        var partial = await agent.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("RIFF"u8.ToArray(), await partial.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/api/v1/cases/{withoutRecording}/recording")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.As("analyst1", "analyst").GetAsync($"/api/v1/cases/{number}/recording")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Anonymous().GetAsync($"/api/v1/cases/{number}/recording")).StatusCode);

        var detail = await agent.GetStringAsync($"/staff/cases/{number}");
        Assert.Contains($"src=\"/api/v1/cases/{number}/recording\"", detail, StringComparison.Ordinal);
        await using var scope = _host.Scope();
        var reads = await scope.ServiceProvider.GetRequiredService<TicketingDbContext>().Audit
            .Where(a => a.Action == "recording.read" && a.CaseNumber == number).ToListAsync();
        Assert.Equal(2, reads.Count);
        Assert.All(reads, r => Assert.Equal("agent1", r.Actor));
    }

    [Theory]
    [InlineData("../secret.wav")]
    [InlineData("a/../../b.wav")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b.wav")]
    [InlineData("")]
    public void The_file_store_refuses_ids_that_leave_its_folder(string id) =>
        Assert.Null(new FileRecordingStore(Path.GetTempPath()).PathOf(id));

    [Fact]
    public void The_file_store_maps_ids_inside_its_folder()
    {
        var store = new FileRecordingStore("/srv/rec");
        Assert.Equal("/srv/rec/20261125/a.wav", store.PathOf("20261125/a.wav"));
        Assert.Equal("/srv/rec/b.wav", store.PathOf("b"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
