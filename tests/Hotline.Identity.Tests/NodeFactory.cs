using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Identity.Tests;

/// <summary>A municipal node in memory, with its own temporary data folder (and so its own keys and databases).</summary>
public sealed class NodeFactory : WebApplicationFactory<Hotline.Municipal.Program>
{
    public const string DemoPassword = "Demo-Passw0rd-42";
    public const string ClientId = "demo-admin";
    public const string ClientSecret = "demo-admin-secret-123";
    public const string WebClientId = "workbench";
    public const string RedirectUri = "http://localhost/signin-callback";

    private readonly Dictionary<string, string?> _settings;

    public NodeFactory(string nodeId = "440300", string? dataDirectory = null, IDictionary<string, string?>? overrides = null)
    {
        NodeId = nodeId;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "hotline-identity-tests", Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>
        {
            ["Node:Id"] = nodeId,
            ["Node:Name"] = "测试市" + nodeId,
            ["Node:Tier"] = "Municipal",
            ["Node:Parent"] = nodeId[..2] + "0000",
            ["Storage:DataDirectory"] = DataDirectory,
            ["Logging:Format"] = "simple",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Identity:Demo:Enabled"] = "true",
            ["Identity:Demo:Password"] = DemoPassword,
            ["Identity:Clients:0:ClientId"] = ClientId,
            ["Identity:Clients:0:ClientSecret"] = ClientSecret,
            ["Identity:Clients:0:Roles:0"] = "admin",
            ["Identity:Clients:1:ClientId"] = "node-440000",
            ["Identity:Clients:1:ClientSecret"] = "node-440000-secret",
            ["Identity:Clients:1:Roles:0"] = "node",
            ["Identity:WebClients:0:ClientId"] = WebClientId,
            ["Identity:WebClients:0:RedirectUris:0"] = RedirectUri,
            // The city host composes telephony: free ports, files under the test's folder.
            ["Sip:Udp"] = "127.0.0.1:0",
            ["Sip:Tcp"] = "127.0.0.1:0",
            ["Sip:DataDirectory"] = Path.Combine(DataDirectory, "telephony"),
        };
        if (overrides is not null)
        {
            foreach (var (key, value) in overrides)
            {
                _settings[key] = value;
            }
        }
    }

    public string NodeId { get; }

    public string DataDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        // TestServer has no socket: present requests as coming from loopback, like the gateway's.
        builder.ConfigureServices(s => s.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, LoopbackClientFilter>());
    }

    /// <summary>A client that does not follow redirects (to see 302s) but keeps cookies.</summary>
    public HttpClient CreateBrowserLikeClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private sealed class LoopbackClientFilter : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextDelegate) =>
            {
                context.Connection.RemoteIpAddress ??= IPAddress.Loopback;
                return nextDelegate(context);
            });
            next(app);
        };
    }
}
