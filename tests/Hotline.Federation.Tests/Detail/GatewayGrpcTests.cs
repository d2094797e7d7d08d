using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Hotline.Testing;
using Hotline.Federation.Detail.V1;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hotline.Federation.Tests.Detail;

/// <summary>
/// The gateway process routes gRPC by <c>x-hotline-node</c> to a node's h2c port (HTTP/2 exactly, no TLS): a call with a
/// valid node token reaches 深圳 and is answered; without a token 深圳 refuses it.
/// </summary>
[Collection(DetailCollection.Name)]
public sealed class GatewayGrpcTests(DetailFederation federation)
{
    [Fact]
    public async Task A_gRPC_call_through_the_gateway_reaches_the_city_with_a_node_token_and_is_refused_without()
    {
        var city = federation["440300"];
        var number = $"440300-20261125-{Random.Shared.Next(100000, 999999):D6}";
        city.Cases!.Phones[number] = "13700137000";

        // The national directory as the gateway reads it: only 深圳 is listed.
        var directoryUrl = $"http://127.0.0.1:{TestNode.FreePort()}";
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(directoryUrl);
        builder.Logging.ClearProviders();
        await using var directory = builder.Build();
        directory.MapGet("/api/v1/directory/nodes", () => Results.Json(new
        {
            nodes = new[] { new { id = "440300", name = "深圳市", publicUrl = city.Url, status = "online" } },
        }));
        await directory.StartAsync();

        var http = TestNode.FreePort();
        var grpc = $"http://127.0.0.1:{TestNode.FreePort()}";
        var dll = Path.Combine(Repository.Root, "gateways", "Hotline.Gateway", "bin", Repository.Configuration, "net10.0", "Hotline.Gateway.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http}";
        info.Environment["Gateway__DirectoryUrl"] = directoryUrl;
        info.Environment["Gateway__NationalId"] = NodeOptions.NationalId;
        info.Environment["Gateway__PollInterval"] = "00:00:00.500";
        info.Environment["Gateway__GrpcUrl"] = grpc;
        info.Environment["Gateway__GrpcNodes__440300"] = city.Grpc;
        using var gateway = Process.Start(info)!;
        gateway.OutputDataReceived += (_, _) => { };
        gateway.ErrorDataReceived += (_, _) => { };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        try
        {
            using var probe = new HttpClient();
            await Support.Poller.UntilAsync(async () =>
            {
                try
                {
                    using var ready = await probe.GetAsync(new Uri($"http://127.0.0.1:{http}/health/ready"));
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, ok => ok, TimeSpan.FromSeconds(90), "the gateway to read the directory");

            using var channel = GrpcChannel.ForAddress(grpc);
            var client = new CaseDetail.CaseDetailClient(channel);
            var request = new GetCaseDetailRequest { CaseNumber = number, RequestedByNode = "440000", RequestedByUser = "officer1", Reason = "经网关调阅" };
            var token = TestTokens.Issue("440300", "node-440000", [HotlineRoles.Node]);
            var reply = await client.GetCaseDetailAsync(request,
                new Metadata { { "x-hotline-node", "440300" }, { "authorization", "Bearer " + token } });
            Assert.Equal(number, reply.CaseNumber);
            Assert.Equal(Masking.Phone("13700137000"), reply.CallerMasked);
            Assert.Contains(city.Cases.Audit, a => a.CaseNumber == number && a.Reason == "经网关调阅");

            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.GetCaseDetailAsync(request,
                new Metadata { { "x-hotline-node", "440300" } }));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        finally
        {
            gateway.Kill();
            await gateway.WaitForExitAsync();
        }
    }
}
