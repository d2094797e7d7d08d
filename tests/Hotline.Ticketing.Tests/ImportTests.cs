using System.Globalization;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>
/// POST /api/v1/cases/import (CONTRACTS.md "Case history import"): idempotent by externalId, each refused row named with
/// its field, good rows stored beside bad ones, imported cases are ordinary cases dated by their own acceptance.
/// </summary>
public sealed class ImportTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>
    /// 10,000 rows over the past year; every 33rd (303 rows, 3 %) is bad in one field, cycling through the kinds of mistake.
    /// Returns the rows and, for each bad row, the field that must be named.
    /// </summary>
    internal static (List<Dictionary<string, object?>> Rows, Dictionary<int, string> Bad) File(int count, DateTimeOffset now, string prefix = "OLD")
    {
        var random = new Random(12328);
        var types = new[] { "inquiry", "inquiry", "inquiry", "complaint", "suggestion", "help", "praise", "report" };
        var channels = new[] { "phone", "web", "app", "wechat", "sms", "email" };
        var categories = new[] { "030100", "030200", "030300", "030400", "010100", "020100", null };
        var rows = new List<Dictionary<string, object?>>(count);
        var bad = new Dictionary<int, string>();
        for (var i = 0; i < count; i++)
        {
            var accepted = now.AddDays(-random.Next(2, 366)).AddMinutes(-random.Next(0, 24 * 60));
            var status = (i % 10) switch { < 6 => "archived", < 9 => "closed", _ => "open" };
            var row = new Dictionary<string, object?>
            {
                ["externalId"] = $"{prefix}-{i:000000}",
                ["type"] = types[random.Next(types.Length)],
                ["category"] = categories[random.Next(categories.Length)],
                ["channel"] = channels[random.Next(channels.Length)],
                ["description"] = $"历史工单{i}：乘客反映公交车到站不停，请核实处理。",
                ["phone"] = "139" + random.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture),
                ["acceptedAt"] = accepted.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                ["closedAt"] = status == "open" ? null : accepted.AddHours(random.Next(1, 40)).ToString("O", CultureInfo.InvariantCulture),
                ["status"] = status,
                ["satisfaction"] = status == "open" ? null : new[] { "satisfied", "basic", "dissatisfied", null }[random.Next(4)],
            };
            if (i % 33 == 16)
            {
                var field = (i / 33 % 8) switch
                {
                    0 => Set(row, "type", "complain"),
                    1 => Set(row, "acceptedAt", "去年三月"),
                    2 => Set(row, "externalId", ""),
                    3 => Set(row, "category", "999999"),
                    4 => Set(row, "phone", "139-abcd-1234"),
                    5 => Set(row, "status", "done"),
                    6 => Set(row, "closedAt", accepted.AddDays(-1).ToString("O", CultureInfo.InvariantCulture)),
                    _ => Set(row, "satisfaction", "happy"),
                };
                if (field == "closedAt")
                {
                    row["status"] = "closed";
                }

                bad[i] = field;
            }

            rows.Add(row);
        }

        return (rows, bad);
    }

    private static string Set(Dictionary<string, object?> row, string field, object? value)
    {
        row[field] = value;
        return field;
    }

    [Fact]
    public async Task Ten_thousand_rows_with_3_percent_bad_store_the_good_name_each_bad_and_a_second_run_changes_nothing()
    {
        var (rows, bad) = File(10_000, _host.Clock.GetUtcNow());
        Assert.InRange(bad.Count, 300, 310);
        var admin = _host.As("admin1", "admin");

        var first = await (await admin.PostJson("/api/v1/cases/import", new { cases = rows })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(10_000 - bad.Count, first.GetProperty("imported").GetInt32());
        Assert.Equal(0, first.GetProperty("unchanged").GetInt32());
        var refused = first.GetProperty("refused").EnumerateArray()
            .Select(r => (Index: r.GetProperty("index").GetInt32(), Field: r.GetProperty("field").GetString()!, Reason: r.GetProperty("reason").GetString()!))
            .ToList();
        Assert.Equal(bad.Count, refused.Count);
        foreach (var r in refused)
        {
            Assert.True(bad.TryGetValue(r.Index, out var field), $"row {r.Index} was refused but is good");
            Assert.Equal(field, r.Field);
            Assert.False(string.IsNullOrWhiteSpace(r.Reason));
        }

        var (cases, feed, events) = await CountsAsync();
        Assert.Equal(10_000 - bad.Count, cases);
        Assert.Equal(cases, feed); // one created entry per imported case: each is reported upward

        var second = await (await admin.PostJson("/api/v1/cases/import", new { cases = rows })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, second.GetProperty("imported").GetInt32());
        Assert.Equal(10_000 - bad.Count, second.GetProperty("unchanged").GetInt32());
        Assert.Equal(bad.Count, second.GetProperty("refused").GetArrayLength());
        Assert.Equal((cases, feed, events), await CountsAsync());
    }

    [Fact]
    public async Task An_imported_case_is_an_ordinary_case_numbered_and_dated_by_its_own_acceptance_in_china_time()
    {
        var admin = _host.As("admin1", "admin");
        var response = await admin.PostJson("/api/v1/cases/import", new
        {
            cases = new object[]
            {
                // 2026-02-28 23:30 UTC is 2026-03-01 07:30 in China: the case belongs to 1 March.
                new { externalId = "A-1", type = "complaint", category = "030200", channel = "phone", description = "出租车司机拒载，称不顺路。",
                    phone = "13912345678", acceptedAt = "2026-02-28T23:30:00Z", closedAt = "2026-03-03T10:00:00+08:00", status = "closed", satisfaction = "basic" },
                new { externalId = "A-2", type = "inquiry", channel = "wechat", description = "咨询地铁运营时间延长安排。",
                    acceptedAt = "2026-03-01T09:00:00", status = "archived", closedAt = "2026-03-01T09:05:00" },
                new { externalId = "A-3", type = "complaint", channel = "web", description = "公交车发车间隔过长，等候四十分钟。",
                    acceptedAt = "2026-11-20T09:00:00+08:00", status = "open" },
            },
        });
        var body = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, body.GetProperty("imported").GetInt32());

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var byExternal = await db.Imports.AsNoTracking().ToDictionaryAsync(i => i.ExternalId, i => i.CaseNumber);
        Assert.Equal("440300-20260301-000001", byExternal["A-1"]);
        Assert.Equal("440300-20260301-000002", byExternal["A-2"]); // no offset: China time, same day
        Assert.StartsWith("440300-20261120-", byExternal["A-3"], StringComparison.Ordinal);

        var staff = await (await admin.GetAsync($"/api/v1/cases/{byExternal["A-1"]}")).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("visited", staff.GetProperty("status").GetString()); // closed with a return visit: 已回访
        var archived = await db.Cases.AsNoTracking().SingleAsync(c => c.CaseNumber == byExternal["A-2"]);
        Assert.Equal(Domain.CaseStatus.Archived, archived.Status);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 1, 5, 0, TimeSpan.Zero), archived.ClosedAt);
        var open = await db.Cases.AsNoTracking().SingleAsync(c => c.CaseNumber == byExternal["A-3"]);
        Assert.Equal(Domain.CaseStatus.Accepted, open.Status);
        Assert.NotNull(open.Deadline); // an open import gets its SLA deadline from its own acceptance

        var created = await db.Feed.AsNoTracking().Where(f => f.CaseNumber == byExternal["A-1"]).ToListAsync();
        var entry = Assert.Single(created);
        Assert.Equal(CaseFeedEvents.Created, entry.EventType);
        Assert.Contains("\"status\":\"visited\"", entry.SummaryJson, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 23, 30, 0, TimeSpan.Zero), entry.OccurredAt);
        Assert.Contains(await db.Audit.AsNoTracking().Where(a => a.CaseNumber == byExternal["A-1"]).Select(a => a.Actor).ToListAsync(),
            a => a == "import:admin1");

        // A live case accepted later the same day continues the day's numbering.
        var seq = await db.Database.SqlQueryRaw<long>("SELECT last_value AS \"Value\" FROM case_sequences WHERE day = '20260301'").SingleAsync();
        Assert.Equal(2, seq);
    }

    [Fact]
    public async Task The_same_external_id_with_other_content_or_twice_in_one_request_is_refused_and_stores_nothing()
    {
        var admin = _host.As("admin1", "admin");
        object Row(string id, string description) => new
        {
            externalId = id, type = "inquiry", channel = "phone", description, phone = "13800001111",
            acceptedAt = "2026-06-01T10:00:00+08:00", status = "archived", closedAt = "2026-06-01T10:02:00+08:00",
        };
        var first = await (await admin.PostJson("/api/v1/cases/import", new { cases = new[] { Row("B-1", "咨询出租车起步价。") } })).Json();
        Assert.Equal(1, first.GetProperty("imported").GetInt32());

        var again = await (await admin.PostJson("/api/v1/cases/import", new
        {
            cases = new[] { Row("B-1", "咨询出租车夜间加价规则。"), Row("B-2", "咨询网约车驾驶员证办理。"), Row("B-2", "咨询网约车驾驶员证办理。") },
        })).Json();
        Assert.Equal(1, again.GetProperty("imported").GetInt32());
        var refused = again.GetProperty("refused").EnumerateArray().ToList();
        Assert.Equal(2, refused.Count);
        Assert.Equal((0, "externalId"), (refused[0].GetProperty("index").GetInt32(), refused[0].GetProperty("field").GetString()));
        Assert.Contains("440300-20260601-000001", refused[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal((2, "externalId"), (refused[1].GetProperty("index").GetInt32(), refused[1].GetProperty("field").GetString()));

        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        Assert.Equal("咨询出租车起步价。", (await db.Cases.AsNoTracking().SingleAsync(c => c.CaseNumber == "440300-20260601-000001")).Description);
        Assert.Equal(2, await db.Cases.CountAsync());
    }

    [Fact]
    public async Task A_value_of_the_wrong_json_type_refuses_only_its_row_and_every_bad_field_is_named()
    {
        var admin = _host.As("admin1", "admin");
        var response = await admin.PostAsync("/api/v1/cases/import", new StringContent("""
            { "cases": [
              { "externalId": "C-1", "type": "inquiry", "channel": "phone", "description": "咨询公交首末班时间。", "acceptedAt": 20260101, "status": "closed" },
              { "externalId": "C-2", "type": "inquiry", "channel": "phone", "description": "咨询公交首末班时间。", "acceptedAt": "2026-01-01T08:00:00+08:00", "status": "closed" },
              { "externalId": "C-3", "type": "nonsense", "channel": "pigeon", "description": "短", "acceptedAt": "2099-01-01T00:00:00Z", "status": "open" },
              "not an object"
            ] }
            """, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("imported").GetInt32());
        var refused = body.GetProperty("refused").EnumerateArray()
            .Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("field").GetString())).ToList();
        Assert.Equal([(0, "acceptedAt"), (2, "type"), (2, "channel"), (2, "description"), (2, "acceptedAt"), (3, "row")], refused);
    }

    [Fact]
    public async Task Only_administrators_import_anonymous_is_refused_and_a_body_without_cases_is_a_named_400()
    {
        var body = new { cases = Array.Empty<object>() };
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Anonymous().PostJson("/api/v1/cases/import", body)).StatusCode);
        var agent = await _host.As("agent1", "agent").PostJson("/api/v1/cases/import", body);
        Assert.Equal(HttpStatusCode.Forbidden, agent.StatusCode);
        Assert.Equal("import.forbidden", (await agent.Json()).GetProperty("code").GetString());

        var missing = await _host.As("admin1", "admin").PostJson("/api/v1/cases/import", new { rows = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.True((await missing.Json()).GetProperty("errors").TryGetProperty("cases", out _));
    }

    private async Task<(int Cases, int Feed, int Events)> CountsAsync()
    {
        await using var scope = _host.Scope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        return (await db.Cases.CountAsync(), await db.Feed.CountAsync(), await db.Events.CountAsync());
    }
}
