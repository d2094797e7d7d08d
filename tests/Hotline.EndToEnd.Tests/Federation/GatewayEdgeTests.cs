using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hotline.Testing;

namespace Hotline.EndToEnd.Tests.Federation;

/// <summary>A second gateway process on the running federation, with a tiny per-IP budget, to see the edge limit bite.</summary>
[Collection(FederationCollection.Name)]
public sealed class GatewayEdgeTests(FederationFixture fixture)
{
    [Fact]
    public async Task Gateway_limits_each_client_ip_and_keeps_its_own_health_out_of_the_limit()
    {
        var port = FreePort();
        var gatewayDll = Path.Combine(Repository.Root, "gateways", "Hotline.Gateway", "bin", Repository.Configuration, "net10.0",
            "Hotline.Gateway.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(gatewayDll)!,
        };
        info.ArgumentList.Add(gatewayDll);
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Gateway__DirectoryUrl"] = fixture.NodeUrl("100000").ToString();
        info.Environment["Gateway__PermitsPerSecond"] = "1";
        info.Environment["Gateway__Burst"] = "5";
        using var gateway = Process.Start(info)!;
        gateway.OutputDataReceived += (_, _) => { };
        gateway.ErrorDataReceived += (_, _) => { };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        try
        {
            var baseUrl = new Uri($"http://127.0.0.1:{port}");
            await Poller.UntilAsync(async () =>
            {
                using var ready = await fixture.Http.GetAsync(new Uri(baseUrl, "/health/ready"));
                return ready.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(90), "the second gateway to be ready");

            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 20; i++)
            {
                using var response = await fixture.Http.GetAsync(new Uri(baseUrl, "/440300/api/v1/node"));
                statuses.Add(response.StatusCode);
            }

            Assert.Contains(HttpStatusCode.OK, statuses);
            Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) <= 8, string.Join(",", statuses));

            using var health = await fixture.Http.GetAsync(new Uri(baseUrl, "/health/live"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            gateway.Kill();
            await gateway.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
