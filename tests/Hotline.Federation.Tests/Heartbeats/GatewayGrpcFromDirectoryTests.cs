using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Hotline.Testing;
using Hotline.Federation.Detail.V1;
using Hotline.Federation.Tests.Detail;
using Hotline.Federation.Tests.Support;
using Hotline.SharedKernel;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Federation.Tests.Heartbeats;

/// <summary>
/// The gateway learns a node's gRPC address from the directory: 深圳's beat carries its h2c address up through 广东 to
/// the ministry, and the gateway process — whose only configured address for 深圳 (<c>Gateway:GrpcNodes</c>) is a dead
/// port — routes a gRPC call with <c>x-hotline-node: 440300</c> there.
/// </summary>
public sealed class GatewayGrpcFromDirectoryTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-beat-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<HeartbeatNode> _nodes = [];
    private readonly FakeCaseDetailSource _cases = new("440300");
    private readonly string _cityGrpc = $"http://127.0.0.1:{TestNode.FreePort()}";
    private string _nationalUrl = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_data);
        string[] ids = ["100000", "440000", "440300"];
        var urls = ids.ToDictionary(i => i, _ => $"http://127.0.0.1:{TestNode.FreePort()}");
        _nationalUrl = urls["100000"];
        var interval = TimeSpan.FromMilliseconds(500);
        _nodes.AddRange(await Task.WhenAll(
            HeartbeatNode.StartAsync(TestFederation.National("440000"), urls, _data, interval),
            HeartbeatNode.StartAsync(TestFederation.Province("440000", "广东省", "440300"), urls, _data, interval),
            HeartbeatNode.StartAsync(TestFederation.City("440300", "深圳市"), urls, _data, interval,
                new Dictionary<string, string>(StringComparer.Ordinal) { ["440300"] = _cityGrpc },
                s => s.AddSingleton<Hotline.Federation.CityCases.ICityCaseDetails>(_cases))));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold a file briefly; the temp folder is cleaned by the OS.
        }
    }

    [Fact]
    public async Task A_grpc_address_learned_from_the_heartbeat_is_routed_by_the_gateway()
    {
        var number = $"440300-20261125-{Random.Shared.Next(100000, 999999):D6}";
        _cases.Phones[number] = "13700137000";

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
        info.Environment["Gateway__DirectoryUrl"] = _nationalUrl;
        info.Environment["Gateway__NationalId"] = NodeOptions.NationalId;
        info.Environment["Gateway__PollInterval"] = "00:00:00.500";
        info.Environment["Gateway__GrpcUrl"] = grpc;
        // A stale configured address (nobody listens there): the directory's address must win over the fallback.
        info.Environment["Gateway__GrpcNodes__440300"] = $"http://127.0.0.1:{TestNode.FreePort()}";
        using var gateway = Process.Start(info)!;
        gateway.OutputDataReceived += (_, _) => { };
        gateway.ErrorDataReceived += (_, _) => { };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        try
        {
            using var channel = GrpcChannel.ForAddress(grpc);
            var client = new CaseDetail.CaseDetailClient(channel);
            var request = new GetCaseDetailRequest { CaseNumber = number, RequestedByNode = "440000", RequestedByUser = "officer1", Reason = "经网关调阅(目录地址)" };
            var token = TestTokens.Issue("440300", "node-440000", [HotlineRoles.Node]);

            // Until the ministry knows 深圳's address and the gateway has read it, the edge has no route for the call.
            var reply = await Support.Poller.UntilAsync(async () =>
            {
                try
                {
                    return await client.GetCaseDetailAsync(request,
                        new Metadata { { "x-hotline-node", "440300" }, { "authorization", "Bearer " + token } },
                        deadline: DateTime.UtcNow.AddSeconds(10));
                }
                catch (RpcException)
                {
                    return null;
                }
            }, r => r is not null, TimeSpan.FromSeconds(90), "a gRPC call routed by the gateway to 深圳's address from the directory");

            Assert.Equal(number, reply!.CaseNumber);
            Assert.Equal(Masking.Phone("13700137000"), reply.CallerMasked);
            Assert.Contains(_cases.Audit, a => a.CaseNumber == number && a.Reason == "经网关调阅(目录地址)");
            var listing = await _nodes[0].ListingAsync();
            Assert.Equal(_cityGrpc, listing.Nodes.Single(n => n.Id == "440300").GrpcUrl);
        }
        finally
        {
            gateway.Kill();
            await gateway.WaitForExitAsync();
        }
    }
}
