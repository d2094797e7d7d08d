using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hotline.EndToEnd.Tests.Federation;
using Hotline.EndToEnd.Tests.Infrastructure;
using Hotline.Testing;

namespace Hotline.EndToEnd.Tests.City;

/// <summary>
/// The city node as the launcher runs it, with ticketing and telephony composed: the public case API (directly and
/// through the gateway), 交办 from the province landing in the city's case store and the city's cases reported back
/// up, SIP on the address federation.json gives, CTI for staff, and the agent tied to their own extension.
/// </summary>
[Collection(FederationCollection.Name)]
public sealed partial class CityNodeTests(FederationFixture fixture)
{
    private const string City = "440300";
    private const string Province = "440000";

    private HttpClient Http => fixture.Http;

    private Uri CityUrl => fixture.NodeUrl(City);

    public static TheoryData<bool> ThroughGateway => new() { true, false };

    [Theory]
    [MemberData(nameof(ThroughGateway))]
    public async Task A_citizen_files_a_case_and_follows_it_with_the_query_code(bool throughGateway)
    {
        var baseUrl = throughGateway ? $"{fixture.Gateway.ToString().TrimEnd('/')}/{City}" : CityUrl.ToString().TrimEnd('/');
        using var created = await Http.PostAsJsonAsync($"{baseUrl}/api/v1/cases", new
        {
            type = "complaint",
            description = "出租车司机在深圳北站拒载，并且态度恶劣",
            phone = "13800138000",
            name = "张三",
            location = "深圳北站",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var caseNumber = body["caseNumber"]!.GetValue<string>();
        var queryCode = body["queryCode"]!.GetValue<string>();
        Assert.Matches(CaseNumberPattern(), caseNumber);
        Assert.False(string.IsNullOrWhiteSpace(queryCode));

        using var status = await Http.GetAsync($"{baseUrl}/api/v1/cases/{caseNumber}?queryCode={Uri.EscapeDataString(queryCode)}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        var view = await status.Content.ReadAsStringAsync();
        Assert.Contains(caseNumber, view, StringComparison.Ordinal);
        Assert.DoesNotContain("13800138000", view, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(view)!["timeline"]);

        using var wrong = await Http.GetAsync($"{baseUrl}/api/v1/cases/{caseNumber}?queryCode=WRONG123");
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_each_field_and_nothing_is_stored()
    {
        var marker = "E2E" + Guid.NewGuid().ToString("N")[..10];
        using var refused = await Http.PostAsJsonAsync(new Uri(CityUrl, "/api/v1/cases"), new
        {
            type = "complaint",
            description = "短",
            phone = "not-a-phone",
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.StartsWith("application/problem+json", refused.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("description"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("phone"), errors.ToJsonString());

        using var refusedWithMarker = await Http.PostAsJsonAsync(new Uri(CityUrl, "/api/v1/cases"), new
        {
            type = "complaint",
            description = $"{marker} 公交车到站不停，司机不理会乘客",
            phone = "12",
        });
        Assert.Equal(HttpStatusCode.BadRequest, refusedWithMarker.StatusCode);

        var token = await fixture.TokenAsync(City);
        var search = await fixture.GetJsonAsync(new Uri(CityUrl, $"/api/v1/cases?q={marker}"), token);
        Assert.Equal(0, search["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_province_assignment_lands_at_the_city_as_a_jiaoban_case_and_the_city_reports_its_cases_up()
    {
        var marker = "E2E" + Guid.NewGuid().ToString("N")[..10];
        var provinceToken = await fixture.TokenAsync(Province);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.NodeUrl(Province), "/api/v1/assignments"))
        {
            Content = JsonContent.Create(new
            {
                targetNode = City,
                type = "complaint",
                description = $"省厅交办 {marker}：深圳机场出租车拒载问题集中，请核查处理",
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", provinceToken);

        // Not retried (a second POST would assign twice), so allow for a province still busy taking in the cities'
        // first-start history on a loaded machine.
        using var patient = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        using var assigned = await patient.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, assigned.StatusCode);
        var assignment = (await assigned.Content.ReadFromJsonAsync<JsonObject>())!["caseNumber"]!.GetValue<string>();
        Assert.StartsWith(Province + "-", assignment, StringComparison.Ordinal);

        var cityToken = await fixture.TokenAsync(City);
        var local = await Poller.UntilAsync(async () =>
        {
            var found = await fixture.GetJsonAsync(new Uri(CityUrl, $"/api/v1/cases?q={marker}"), cityToken);
            return found["items"]!.AsArray().FirstOrDefault()?.AsObject();
        }, TimeSpan.FromSeconds(180), "the 交办 case at 深圳");
        Assert.Equal("assignment", local["channel"]!.GetValue<string>());
        var cityCase = local["caseNumber"]!.GetValue<string>();
        Assert.Matches(CaseNumberPattern(), cityCase);

        var detail = await fixture.GetJsonAsync(new Uri(CityUrl, $"/api/v1/cases/{cityCase}"), cityToken);
        Assert.Equal(Province, detail["source"]!["originNode"]!.GetValue<string>());
        Assert.Equal(assignment, detail["source"]!["originCaseNumber"]!.GetValue<string>());

        var reported = await Poller.UntilAsync(async () =>
        {
            var listing = await fixture.GetJsonAsync(new Uri(fixture.NodeUrl(Province), $"/api/v1/cases?node={City}"), provinceToken);
            return listing.ToJsonString().Contains(cityCase, StringComparison.Ordinal) ? listing : null;
        }, TimeSpan.FromSeconds(180), $"{cityCase} reported up to 广东省");
        Assert.DoesNotContain("13800138000", reported.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_city_answers_sip_options_and_registers_a_demo_extension_with_digest()
    {
        var node = fixture.Federation["nodes"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == City)!;
        var address = node["sip"]!["udp"]!.GetValue<string>();
        var extension = fixture.Federation["demo"]!["extensions"]!.AsArray()
            .First(e => e!["node"]!.GetValue<string>() == City && e["extension"]!.GetValue<string>() == "8004")!;

        using var sip = new SipProbe(address);
        var options = await sip.OptionsAsync();
        Assert.Equal(200, options.Status);

        var (wrongChallenge, wrongAnswer) = await sip.RegisterAsync("8005", "not-the-password");
        Assert.Equal(401, wrongChallenge.Status);
        Assert.Equal(403, wrongAnswer.Status);

        var (challenge, answer) = await sip.RegisterAsync("8004", extension["password"]!.GetValue<string>());
        Assert.Equal(401, challenge.Status);
        Assert.Contains($"realm=\"{City}.12328.local\"", challenge.Header("WWW-Authenticate"), StringComparison.Ordinal);
        Assert.Equal(200, answer.Status);

        var token = await fixture.TokenAsync(City);
        var agents = await Poller.UntilAsync(async () =>
        {
            var list = await fixture.GetJsonAsync(new Uri(CityUrl, "/api/v1/cti/agents"), token);
            return list.AsArray().Any(a => a!["extension"]!.GetValue<string>() == "8004" && a["registered"]!.GetValue<bool>()) ? list : null;
        }, TimeSpan.FromSeconds(10), "8004 registered in CTI");
        var listed = agents.AsArray().Select(a => a!["extension"]!.GetValue<string>()).ToList();
        Assert.Equal(["8001", "8002", "8003", "8004", "8005"], listed.Order());
        Assert.All(agents.AsArray(), a => Assert.False(string.IsNullOrEmpty(a!["state"]!.GetValue<string>())));

        using var anonymous = await Http.GetAsync(new Uri(CityUrl, "/api/v1/cti/agents"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public void Every_city_has_its_own_sip_address_and_digest_extensions()
    {
        var cities = fixture.Federation["nodes"]!.AsArray().Where(n => n!["tier"]!.GetValue<string>() == "municipal").ToList();
        Assert.Equal(3, cities.Count);
        var addresses = cities.Select(c => c!["sip"]!["udp"]!.GetValue<string>()).ToList();
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
        Assert.All(cities, c => Assert.Equal(c!["sip"]!["udp"]!.GetValue<string>(), c["sip"]!["tcp"]!.GetValue<string>()));

        var extensions = fixture.Federation["demo"]!["extensions"]!.AsArray().Select(e => e!.AsObject()).ToList();
        foreach (var city in cities.Select(c => c!["id"]!.GetValue<string>()))
        {
            Assert.Equal(["8001", "8002", "8003", "8004", "8005"],
                extensions.Where(e => e["node"]!.GetValue<string>() == city).Select(e => e["extension"]!.GetValue<string>()).Order());
        }

        var passwords = extensions.Select(e => e["password"]!.GetValue<string>()).ToList();
        Assert.Equal(passwords.Count, passwords.Distinct().Count());
    }

    [Fact]
    public async Task An_agent_signs_in_sees_their_work_and_changes_only_their_own_extension_state()
    {
        var agent = fixture.Federation["demo"]!["users"]!.AsArray()
            .Single(u => u!["node"]!.GetValue<string>() == City && u["user"]!.GetValue<string>() == "agent1")!;
        Assert.Equal("8001", agent["extension"]!.GetValue<string>());

        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true };
        using var browser = new HttpClient(handler) { BaseAddress = CityUrl, Timeout = TimeSpan.FromSeconds(20) };
        var login = await browser.GetStringAsync("/account/login");
        var antiforgery = AntiforgeryField().Match(login);
        Assert.True(antiforgery.Success, "login form has an antiforgery token");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = "agent1",
            ["Password"] = fixture.Federation["demo"]!["password"]!.GetValue<string>(),
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Value),
        });
        using var signedIn = await browser.PostAsync("/account/login", form);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal("/staff", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        var home = await signedIn.Content.ReadAsStringAsync();
        Assert.Contains("href=\"/staff/cases\"", home, StringComparison.Ordinal);

        using var cases = await browser.GetAsync("/staff/cases");
        Assert.Equal(HttpStatusCode.OK, cases.StatusCode);

        using var own = await browser.PutAsJsonAsync("/api/v1/cti/agents/8001/state", new { state = "notReady", reason = "培训" });
        Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        using var other = await browser.PutAsJsonAsync("/api/v1/cti/agents/8002/state", new { state = "notReady" });
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);

        var agents = await browser.GetFromJsonAsync<JsonArray>("/api/v1/cti/agents");
        Assert.Equal("notReady", agents!.Single(a => a!["extension"]!.GetValue<string>() == "8001")!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_city_openapi_documents_the_case_cti_and_recording_apis()
    {
        var document = (await Http.GetFromJsonAsync<JsonObject>(new Uri(CityUrl, "/openapi/v1.json")))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var path in new[]
                 {
                     "/api/v1/cases", "/api/v1/cases/{caseNumber}", "/api/v1/cases/{caseNumber}/duplicates",
                     "/api/v1/cti/queues", "/api/v1/cti/agents", "/api/v1/cti/agents/{extension}/state", "/api/v1/cti/calls",
                     "/api/v1/recordings/{id}",
                 })
        {
            Assert.True(paths.Contains(path), $"{path} is missing from the city's OpenAPI document");
        }
    }

    [Fact]
    public async Task Recordings_are_for_staff_and_stay_inside_the_telephony_folder()
    {
        using var anonymous = await Http.GetAsync(new Uri(CityUrl, "/api/v1/recordings/voicemail/20260101/x.wav"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var token = await fixture.TokenAsync(City);
        foreach (var id in new[] { "voicemail/20260101/none.wav", "..%2F..%2Fidentity.db", "voicemail%2F..%2F..%2F..%2Fidentity.db" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(CityUrl, "/api/v1/recordings/" + id));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{id} answered {response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_demo_city_starts_with_a_year_of_history_filed_through_its_intake()
    {
        const string quietCity = "440100";
        var token = await fixture.TokenAsync(quietCity);
        var listing = await Poller.UntilAsync(async () =>
        {
            var found = await fixture.GetJsonAsync(new Uri(fixture.NodeUrl(quietCity), "/api/v1/cases?pageSize=50"), token);
            return found["total"]!.GetValue<int>() >= FederationFixture.DemoCasesPerCity ? found : null;
        }, TimeSpan.FromSeconds(180), "the demo history at 广州");

        var items = listing["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.True(items.Select(i => i["channel"]!.GetValue<string>()).Distinct().Count() >= 3, listing.ToJsonString());
        Assert.Contains(items, i => i["type"]!.GetValue<string>() == "inquiry");
        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(items, i => !i["caseNumber"]!.GetValue<string>().Contains($"-{today}-", StringComparison.Ordinal));
        Assert.All(items, i => Assert.StartsWith(quietCity + "-", i["caseNumber"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^440300-\d{8}-\d{6}$")]
    private static partial Regex CaseNumberPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
