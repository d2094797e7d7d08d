using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Federation.Contracts;
using Hotline.Federation.Persistence;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Hotline.Federation.Tests;

public sealed class InboxSecurityTests : IAsyncLifetime
{
    private TestFederation _federation = null!;

    public async Task InitializeAsync() =>
        _federation = await TestFederation.StartAsync([
            TestFederation.National("440000"),
            TestFederation.Province("440000", "广东省", "440300"),
        ]);

    public async Task DisposeAsync() => await _federation.DisposeAsync();

    private TestNode Province => _federation["440000"];

    private static CaseReported Report(string caseNumber, long version = 1) =>
        new(caseNumber, "440300", NodeOptions.NationalId, Guid.NewGuid(), version, DateTimeOffset.UtcNow,
            new CaseSummary(caseNumber, "complaint", null, "phone", "网约车乱收费", "138****0000", "accepted", DateTimeOffset.UtcNow, null, false));

    private static byte[] Batch(Guid id, string messageType, object message) =>
        EnvelopeSerializer.Serialize(new List<Envelope>
        {
            new()
            {
                Id = id,
                MessageType = messageType,
                ContentType = "application/json",
                Data = JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), new JsonSerializerOptions(JsonSerializerDefaults.Web)),
                Source = "hotline-440300",
                SentAt = DateTimeOffset.UtcNow,
            },
        });

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string? token)
    {
        using var client = new HttpClient { BaseAddress = new Uri(Province.Url) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("binary/wolverine-envelopes");
        return await client.PostAsync(new Uri("/_wolverine/batch/federation", UriKind.Relative), content);
    }

    private static string PeerToken(string audience) => TestTokens.Issue(audience, "node-440300", [HotlineRoles.Node]);

    private async Task<int> ReportedAsync(string caseNumber)
    {
        await using var scope = Province.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FederationDbContext>();
        return db.ReportedCases.Count(c => c.CaseNumber == caseNumber);
    }

    private async Task<JsonElement> QueuesAsync() => await Province.Admin.GetFromJsonAsync<JsonElement>("/api/v1/federation/queues");

    [Fact]
    public async Task Absent_forged_and_wrong_audience_tokens_are_refused_logged_with_a_reason_and_never_applied()
    {
        var body = Batch(Guid.NewGuid(), "case-reported.V1", Report("440300-20261125-100001"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(body, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await PostAsync(body, TestTokens.Issue("440000", "intruder", [HotlineRoles.Node], TestTokens.ForgedKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(body, PeerToken("320000"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(body, TestTokens.Staff("440000"))).StatusCode);

        var refused = await Province.Admin.GetFromJsonAsync<JsonElement>("/api/v1/federation/refused");
        var items = refused.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        Assert.Contains(items, i => i.GetProperty("reason").GetString() == "refused: no bearer token");
        Assert.Contains(items, i => i.GetProperty("reason").GetString() == "refused: invalid, forged or expired bearer token");
        Assert.Contains(items, i => i.GetProperty("reason").GetString()!.Contains("not a federation peer", StringComparison.Ordinal));
        Assert.All(items, i => Assert.Equal("case-reported.V1", i.GetProperty("messageTypes").GetString()));
        Assert.Equal(0, await ReportedAsync("440300-20261125-100001"));

        // The very same batch with a genuine peer token is applied: the refusals were about the token alone.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(body, PeerToken("440000"))).StatusCode);
        await Poller.UntilAsync(() => ReportedAsync("440300-20261125-100001"), n => n == 1, what: "the genuine report applied");
    }

    [Fact]
    public async Task An_unknown_message_version_is_dead_lettered_with_the_reason_and_can_be_seen_by_the_operator()
    {
        var body = Batch(Guid.NewGuid(), "case-reported.V2", Report("440300-20261125-100002"));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(body, PeerToken("440000"))).StatusCode);

        var dead = await Poller.UntilAsync(() => Province.Admin.GetFromJsonAsync<JsonElement>("/api/v1/federation/dead-letters"),
            j => j.GetProperty("items").GetArrayLength() > 0, what: "a dead letter");
        var item = dead.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("case-reported.V2", item.GetProperty("messageType").GetString());
        Assert.Contains("Unknown message type", item.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await ReportedAsync("440300-20261125-100002"));
        Assert.Equal(1, (await QueuesAsync()).GetProperty("deadLetters").GetInt32());

        var page = await Province.Admin.GetStringAsync(new Uri("/ops/federation", UriKind.Relative));
        Assert.Contains("case-reported.V2", page, StringComparison.Ordinal);
        Assert.Contains("死信", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_message_delivered_twice_is_applied_once_and_an_older_snapshot_never_overwrites_a_newer_one()
    {
        var id = Guid.NewGuid();
        var newer = Batch(id, "case-reported.V1", Report("440300-20261125-100003", version: 5));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(newer, PeerToken("440000"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(newer, PeerToken("440000"))).StatusCode);
        // A re-published copy (new envelope id, same content) and an older snapshot arriving late.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Batch(Guid.NewGuid(), "case-reported.V1", Report("440300-20261125-100003", 5)), PeerToken("440000"))).StatusCode);
        var older = Report("440300-20261125-100003", version: 2) with { Summary = Report("x").Summary with { CaseNumber = "440300-20261125-100003", Status = "stale" } };
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Batch(Guid.NewGuid(), "case-reported.V1", older), PeerToken("440000"))).StatusCode);

        var counters = await Poller.UntilAsync(QueuesAsync,
            q => q.GetProperty("counters").TryGetProperty("duplicates", out var d) && d.GetInt64() >= 2, what: "duplicates counted");
        Assert.Equal(1, await ReportedAsync("440300-20261125-100003"));
        var list = await Province.Client.GetFromJsonAsync<JsonElement>("/api/v1/cases?node=440300");
        Assert.Equal("accepted", list.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("caseNumber").GetString() == "440300-20261125-100003")
            .GetProperty("status").GetString());
        Assert.Equal(1, counters.GetProperty("counters").GetProperty("applied").GetInt64());
    }

    [Fact]
    public async Task Feedback_for_an_unknown_assignment_is_dead_lettered_and_applied_after_replay()
    {
        var feedback = new CaseResolved("440000-20261125-000077", "440300", "440000", Guid.NewGuid(), Guid.NewGuid(), "440300-20261125-000001",
            "已办结", DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Batch(Guid.NewGuid(), "case-resolved.V1", feedback), PeerToken("440000"))).StatusCode);
        var dead = await Poller.UntilAsync(() => Province.Admin.GetFromJsonAsync<JsonElement>("/api/v1/federation/dead-letters"),
            j => j.GetProperty("items").GetArrayLength() > 0, what: "the dead letter");
        var item = dead.GetProperty("items").EnumerateArray().Single();
        Assert.Contains("no assignment 440000-20261125-000077", item.GetProperty("reason").GetString(), StringComparison.Ordinal);

        await using (var scope = Province.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FederationDbContext>();
            db.Assignments.Add(new Assignment
            {
                CaseNumber = "440000-20261125-000077", TargetNode = "440300", Type = "complaint", Description = "测试",
                AssignedBy = "test", AssignedAt = DateTimeOffset.UtcNow, Deadline = DateTimeOffset.UtcNow.AddDays(1),
            });
            await db.SaveChangesAsync();
        }

        var replay = await Province.Admin.PostAsJsonAsync("/api/v1/federation/dead-letters/replay", new { ids = new[] { item.GetProperty("id").GetGuid() } });
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var view = await Poller.UntilAsync(() => Province.Client.GetFromJsonAsync<JsonElement>("/api/v1/assignments/440000-20261125-000077"),
            v => v.GetProperty("status").GetString() == "resolved", what: "the replayed result");
        Assert.Equal("已办结", view.GetProperty("result").GetString());
    }
}
