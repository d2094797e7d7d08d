using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Federation.Tests.Support;

namespace Hotline.Federation.Tests;

public sealed class ReportingTests : IAsyncLifetime
{
    private TestFederation _federation = null!;

    public async Task InitializeAsync() =>
        _federation = await TestFederation.StartAsync([
            TestFederation.National("440000"),
            TestFederation.Province("440000", "广东省", "440300"),
            TestFederation.City("440300", "深圳市"),
        ]);

    public async Task DisposeAsync() => await _federation.DisposeAsync();

    private static async Task<JsonElement> CasesAsync(TestNode node, string city)
    {
        var response = await node.Client.GetAsync(new Uri($"/api/v1/cases?node={city}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Cases_accepted_at_a_city_are_visible_at_the_province_and_the_ministry_with_masked_phones()
    {
        var city = _federation["440300"].City!;
        var numbers = Enumerable.Range(0, 5).Select(i => city.CreateLocal(title: $"出租车绕路 {i}", phone: "1381234567" + i)).ToList();
        city.ChangeStatus(numbers[0], "handling");

        var national = await Poller.UntilAsync(() => CasesAsync(_federation["100000"], "440300"),
            j => j.GetProperty("total").GetInt32() == 5
                 && j.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("caseNumber").GetString() == numbers[0] && i.GetProperty("status").GetString() == "handling"),
            what: "5 cases at the ministry with the latest status");
        var items = national.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(numbers.OrderBy(n => n), items.Select(i => i.GetProperty("caseNumber").GetString()).OrderBy(n => n));
        Assert.All(items, i => Assert.Matches(@"^138\*{4}\d{4}$", i.GetProperty("phone").GetString()));
        Assert.All(items, i => Assert.Equal("440300", i.GetProperty("node").GetString()));

        var province = await CasesAsync(_federation["440000"], "440300");
        Assert.Equal(5, province.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_province_cannot_list_another_province_s_city_and_anonymous_callers_are_refused()
    {
        var forbidden = await _federation["440000"].Client.GetAsync(new Uri("/api/v1/cases?node=320100", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var anonymous = new HttpClient { BaseAddress = new Uri(_federation["100000"].Url) };
        var unauthorized = await anonymous.GetAsync(new Uri("/api/v1/cases?node=440300", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }
}
