using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Hotline.Federation.Detail.V1;
using Hotline.Testing;

namespace Hotline.EndToEnd.Tests.Federation;

/// <summary>
/// 上级调阅 on the launched federation: the ministry's REST detail endpoint reads a 深圳 case over gRPC through 广东
/// (phone masked), 深圳's audit trail has the read with the ministry as requester, and the gateway's h2c edge routes a
/// gRPC call by <c>x-hotline-node</c> to the city, which refuses it without a token.
/// </summary>
[Collection(FederationCollection.Name)]
public sealed class CaseDetailTests(FederationFixture fixture)
{
    private const string Phone = "13923456781";

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task The_ministry_reads_a_shenzhen_case_masked_and_shenzhen_audits_the_read()
    {
        using var created = await Http.PostAsJsonAsync(new Uri(fixture.NodeUrl("440300"), "/api/v1/cases"), new
        {
            type = "complaint",
            description = "网约车在深圳北站绕路多收费，车牌粤B7K321，请核查。",
            phone = Phone,
            name = "王五",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var number = (await created.Content.ReadFromJsonAsync<JsonObject>())!["caseNumber"]!.GetValue<string>();

        var ministry = await fixture.TokenAsync("100000");
        var detail = await fixture.GetJsonAsync(new Uri(fixture.NodeUrl("100000"), $"/api/v1/federation/cases/{number}/detail?reason=E2E督查"), ministry);
        Assert.Equal(number, detail["caseNumber"]!.GetValue<string>());
        Assert.Equal("440300", detail["node"]!.GetValue<string>());
        var masked = detail["callerMasked"]!.GetValue<string>();
        Assert.Contains("*", masked, StringComparison.Ordinal);
        Assert.DoesNotContain(Phone, detail.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("王五", detail.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(["100000", "440000", "440300"], detail["via"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());
        Assert.NotEmpty(detail["timeline"]!.AsArray());

        var city = await fixture.TokenAsync("440300");
        var audit = (await fixture.GetJsonAsync(new Uri(fixture.NodeUrl("440300"), $"/api/v1/cases/{number}/audit"), city)).AsArray();
        var read = Assert.Single(audit, a => a!["action"]!.GetValue<string>() == "case.read.superior");
        Assert.StartsWith("node:100000/", read!["actor"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("E2E督查", read["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // 江苏 is no superior of 深圳.
        var jiangsu = await fixture.TokenAsync("320000");
        using var refused = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.NodeUrl("320000"), $"/api/v1/federation/cases/{number}/detail"));
        refused.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jiangsu);
        using var forbidden = await Http.SendAsync(refused);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task The_gateway_routes_gRPC_by_node_header_to_the_city_which_refuses_a_call_without_a_node_token()
    {
        var edge = fixture.Federation["gatewayGrpc"]!.GetValue<string>();
        Assert.StartsWith("http://127.0.0.1:", edge, StringComparison.Ordinal);
        Assert.All(fixture.Federation["nodes"]!.AsArray(), n => Assert.StartsWith("http://127.0.0.1:", n!["grpc"]!.GetValue<string>(), StringComparison.Ordinal));

        using var channel = GrpcChannel.ForAddress(edge);
        var client = new CaseDetail.CaseDetailClient(channel);
        var request = new GetCaseDetailRequest { CaseNumber = "440300-20261125-000001", RequestedByNode = "440000", RequestedByUser = "e2e", Reason = "e2e" };

        // No token: the city's bearer check answers (UNAUTHENTICATED), proving the call crossed the gateway over h2c.
        var anonymous = await Poller.UntilAsync(async () =>
        {
            try
            {
                await client.GetCaseDetailAsync(request, new Metadata { { "x-hotline-node", "440300" } });
                return "OK";
            }
            catch (RpcException ex)
            {
                return ex.StatusCode == StatusCode.Unauthenticated ? ex.StatusCode.ToString() : null;
            }
        }, TimeSpan.FromSeconds(30), "the gateway's gRPC route to 440300 answering UNAUTHENTICATED");
        Assert.Equal(nameof(StatusCode.Unauthenticated), anonymous);

        // A staff token of the city is valid there but names no federation node: the city's service refuses it.
        var staff = await fixture.TokenAsync("440300");
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await client.GetCaseDetailAsync(request,
            new Metadata { { "x-hotline-node", "440300" }, { "authorization", "Bearer " + staff } }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }
}
