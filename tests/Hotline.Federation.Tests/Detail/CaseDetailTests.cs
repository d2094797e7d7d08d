using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Hotline.Federation.Detail;
using Hotline.Federation.Detail.V1;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;

namespace Hotline.Federation.Tests.Detail;

/// <summary>
/// 上级调阅 along the tree over gRPC (h2c): the ministry and a province read a city's case (phone masked, audited at the
/// city with the requester and route); scope refusals, token refusals, unknown cases and an unreachable city.
/// </summary>
[Collection(DetailCollection.Name)]
public sealed class CaseDetailTests(DetailFederation federation)
{
    private const string Phone = "13800138000";

    private static string NewCase() => $"440300-20261125-{Random.Shared.Next(100000, 999999):D6}";

    private string KnownCase()
    {
        var number = NewCase();
        federation["440300"].Cases!.Phones[number] = Phone;
        return number;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());

    [Fact]
    public async Task The_ministry_reads_a_city_case_through_the_province_with_the_phone_masked_and_the_city_audits_it()
    {
        var number = KnownCase();
        using var ministry = federation["100000"].Staff();
        var response = await ministry.GetAsync(new Uri($"/api/v1/federation/cases/{number}/detail?reason=督查抽检", UriKind.Relative));

        var body = await JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(number, body.GetProperty("caseNumber").GetString());
        Assert.Equal("440300", body.GetProperty("node").GetString());
        Assert.Equal("complaint", body.GetProperty("type").GetString());
        Assert.Equal(Masking.Phone(Phone), body.GetProperty("callerMasked").GetString());
        Assert.DoesNotContain(Phone, body.ToString(), StringComparison.Ordinal);
        Assert.Equal(["100000", "440000", "440300"], body.GetProperty("via").EnumerateArray().Select(v => v.GetString()!).ToArray());
        Assert.Equal(2, body.GetProperty("timeline").GetArrayLength());

        var read = Assert.Single(federation["440300"].Cases!.Audit, a => a.CaseNumber == number);
        Assert.Equal("100000", read.RequestedByNode);
        Assert.Equal("officer-100000", read.RequestedByUser);
        Assert.Equal("督查抽检", read.Reason);
        Assert.Equal(["100000", "440000", "440300"], read.Via);
    }

    [Fact]
    public async Task A_province_reads_its_own_city_and_the_staff_page_shows_the_detail_in_chinese_and_english()
    {
        var number = KnownCase();
        using var province = federation["440000"].Staff();
        var json = await province.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/federation/cases/{number}/detail", UriKind.Relative));
        Assert.Equal(["440000", "440300"], json.GetProperty("via").EnumerateArray().Select(v => v.GetString()!).ToArray());

        var zh = await province.GetStringAsync(new Uri($"/federation/cases/{number}", UriKind.Relative));
        Assert.Contains("工单详情", zh, StringComparison.Ordinal);
        Assert.Contains(Masking.Phone(Phone), zh, StringComparison.Ordinal);
        Assert.Contains("办理记录", zh, StringComparison.Ordinal);
        Assert.DoesNotContain(Phone, zh, StringComparison.Ordinal);
        var en = await province.GetStringAsync(new Uri($"/federation/cases/{number}?lang=en-US", UriKind.Relative));
        Assert.Contains("Handling records", en, StringComparison.Ordinal);
        // The REST read and both page views: three audited reads.
        Assert.Equal(3, federation["440300"].Cases!.Audit.Count(a => a.CaseNumber == number && a.RequestedByNode == "440000"));
    }

    [Fact]
    public async Task Another_province_may_not_read_a_case_of_a_city_outside_it()
    {
        var number = KnownCase();
        using var jiangsu = federation["320000"].Staff();
        var response = await jiangsu.GetAsync(new Uri($"/api/v1/federation/cases/{number}/detail", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Contains("320000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(federation["440300"].Cases!.Audit, a => a.CaseNumber == number);
    }

    [Fact]
    public async Task An_unknown_case_is_404_and_a_city_that_is_down_is_502_city_unreachable()
    {
        using var ministry = federation["100000"].Staff();
        var unknown = await ministry.GetAsync(new Uri($"/api/v1/federation/cases/{NewCase()}/detail", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var down = await ministry.GetAsync(new Uri("/api/v1/federation/cases/440100-20261125-000001/detail", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadGateway, down.StatusCode);
        var problem = await JsonAsync(down);
        Assert.Equal("detail.unavailable", problem.GetProperty("code").GetString());
        Assert.Contains("440100", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var malformed = await ministry.GetAsync(new Uri("/api/v1/federation/cases/not-a-case/detail", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await new HttpClient { BaseAddress = new Uri(federation["100000"].Url) }
            .GetAsync(new Uri($"/api/v1/federation/cases/{NewCase()}/detail", UriKind.Relative))).StatusCode);
    }

    private async Task<RpcException> RefusedAsync(string node, string? token, GetCaseDetailRequest request)
    {
        using var channel = GrpcChannel.ForAddress(federation[node].Grpc);
        var client = new CaseDetail.CaseDetailClient(channel);
        var headers = token is null ? new Metadata() : new Metadata { { "authorization", "Bearer " + token } };
        return await Assert.ThrowsAsync<RpcException>(async () => await client.GetCaseDetailAsync(request, headers));
    }

    private static GetCaseDetailRequest Request(string number, string requester) => new()
    {
        CaseNumber = number, RequestedByNode = requester, RequestedByUser = "someone", Reason = "test",
    };

    [Fact]
    public async Task The_city_refuses_gRPC_calls_without_a_token_with_another_nodes_token_or_a_forged_one()
    {
        var number = KnownCase();
        var none = await RefusedAsync("440300", null, Request(number, "440000"));
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);

        // A valid token of 广州's IdP is no credential at 深圳 (audience).
        var wrongAudience = await RefusedAsync("440300", TestTokens.Issue("440100", "node-440000", [HotlineRoles.Node]), Request(number, "440000"));
        Assert.Equal(StatusCode.Unauthenticated, wrongAudience.StatusCode);

        var forged = await RefusedAsync("440300", TestTokens.Issue("440300", "node-440000", [HotlineRoles.Node], TestTokens.ForgedKey), Request(number, "440000"));
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);

        // A staff token of the city is not a node token.
        var staff = await RefusedAsync("440300", TestTokens.Staff("440300"), Request(number, "440000"));
        Assert.Equal(StatusCode.PermissionDenied, staff.StatusCode);
        Assert.DoesNotContain(federation["440300"].Cases!.Audit, a => a.CaseNumber == number);
    }

    [Fact]
    public async Task A_city_may_not_read_another_city_and_a_province_may_not_speak_for_a_node_outside_its_scope()
    {
        var number = KnownCase();

        // 广州 calls 深圳 directly with a node token of 深圳's IdP: not 深圳's parent.
        var sibling = await RefusedAsync("440300", TestTokens.Issue("440300", "node-440100", [HotlineRoles.Node]), Request(number, "440100"));
        Assert.Equal(StatusCode.PermissionDenied, sibling.StatusCode);
        Assert.Contains("not the parent", sibling.Status.Detail, StringComparison.Ordinal);

        // 广州 asks its province for 深圳's case: requests only travel down.
        var upward = await RefusedAsync("440000", TestTokens.Issue("440000", "node-440100", [HotlineRoles.Node]), Request(number, "440100"));
        Assert.Equal(StatusCode.PermissionDenied, upward.StatusCode);

        // 广东 forwarding a request in the name of 江苏.
        var foreign = await RefusedAsync("440300", TestTokens.Issue("440300", "node-440000", [HotlineRoles.Node]), Request(number, "320000"));
        Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);

        // 江苏's node token at 广东 (not its parent).
        var jiangsu = await RefusedAsync("440000", TestTokens.Issue("440000", "node-320000", [HotlineRoles.Node]), Request(number, "320000"));
        Assert.Equal(StatusCode.PermissionDenied, jiangsu.StatusCode);
        Assert.DoesNotContain(federation["440300"].Cases!.Audit, a => a.CaseNumber == number);
    }

    [Fact]
    public async Task The_province_token_reads_the_city_directly_over_h2c()
    {
        var number = KnownCase();
        using var channel = GrpcChannel.ForAddress(federation["440300"].Grpc);
        var client = new CaseDetail.CaseDetailClient(channel);
        var reply = await client.GetCaseDetailAsync(Request(number, "440000"),
            new Metadata { { "authorization", "Bearer " + TestTokens.Issue("440300", "node-440000", [HotlineRoles.Node]) } });

        Assert.Equal(number, reply.CaseNumber);
        Assert.Equal(Masking.Phone(Phone), reply.CallerMasked);
        Assert.Equal(["440000", "440300"], reply.Via.ToArray());
        var read = Assert.Single(federation["440300"].Cases!.Audit, a => a.CaseNumber == number);
        Assert.Equal("someone", read.RequestedByUser);
    }

    [Fact]
    public void Scope_only_lets_nodes_above_the_owning_city_read()
    {
        Assert.Equal("440300", DetailScope.OwnerOf("440300-20261125-000123"));
        Assert.Null(DetailScope.OwnerOf("440000-20261125-000123"));
        Assert.Null(DetailScope.OwnerOf("not-a-case"));
        Assert.True(DetailScope.IsAbove("100000", "440300"));
        Assert.True(DetailScope.IsAbove("440000", "440300"));
        Assert.False(DetailScope.IsAbove("320000", "440300"));
        Assert.False(DetailScope.IsAbove("440100", "440300"));
        Assert.False(DetailScope.IsAbove("440300", "440300"));
    }
}

/// <summary>One detail-read federation shared by the tests of <see cref="CaseDetailTests"/>.</summary>
[CollectionDefinition(Name)]
public sealed class DetailCollection : ICollectionFixture<DetailFederation>
{
    public const string Name = "case-detail";
}
