using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Hotline.SharedKernel;
using Hotline.Telephony.Cti;
using Hotline.Telephony.Sip;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Telephony.Tests.Cti;

/// <summary>
/// The telephony module on a real Kestrel host and SIP socket (free loopback ports) with two agent phones registered
/// (8001, 8002) that ring and go off hook on a CTI answer. Callers are told by headers who they are
/// (<c>X-Test-Roles</c>, <c>X-Test-Extension</c>, <c>X-Test-Name</c>); the CTI audit lines are kept for assertions.
/// </summary>
public sealed class CtiHost : IAsyncLifetime
{
    public const string Agent1 = "8001";
    public const string Agent2 = "8002";
    private const string Password1 = "cti-8001-pw";
    private const string Password2 = "cti-8002-pw";

    private readonly string _data = Directory.CreateTempSubdirectory("hotline-cti-calls-").FullName;
    private readonly ConcurrentQueue<string> _audit = new();
    private WebApplication _app = null!;
    private string _base = null!;

    internal TestPhone Phone1 { get; private set; } = null!;

    internal TestPhone Phone2 { get; private set; } = null!;

    internal SipEngine Engine => _app.Services.GetRequiredService<SipEngine>();

    internal Hotline.Telephony.CallControl.CallCenter Calls => _app.Services.GetRequiredService<Hotline.Telephony.CallControl.CallCenter>();

    internal IPEndPoint Sip => Engine.UdpEndPoint;

    /// <summary>The CTI audit lines written so far.</summary>
    public IReadOnlyCollection<string> Audit => _audit.ToArray();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new AuditCapture(_audit));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sip:Udp"] = "127.0.0.1:0",
            ["Sip:Tcp"] = string.Empty,
            ["Sip:DataDirectory"] = _data,
            ["Sip:RingTimeoutSeconds"] = "120",
            ["Sip:IvrAnswer"] = "EarlyMedia", // the test phone presses IVR keys in the early dialog
            ["Sip:Extensions:0:Extension"] = Agent1,
            ["Sip:Extensions:0:Password"] = Password1,
            ["Sip:Extensions:1:Extension"] = Agent2,
            ["Sip:Extensions:1:Password"] = Password2,
        });
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuth>("Test", _ => { });
        builder.Services.AddAuthorizationBuilder().AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
        builder.AddTelephonyModule();
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapTelephonyEndpoints();
        await _app.StartAsync();
        _base = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        Phone1 = new TestPhone(Sip, Agent1);
        Phone2 = new TestPhone(Sip, Agent2);
        await Phone1.RegisterAsync(Password1);
        await Phone2.RegisterAsync(Password2);
    }

    public async Task DisposeAsync()
    {
        await Phone1.DisposeAsync();
        await Phone2.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    /// <summary>An HTTP client acting as someone with these roles (comma-separated), extension and name.</summary>
    public HttpClient Client(string roles, string? extension = null, string name = "tester")
    {
        var c = new HttpClient { BaseAddress = new Uri(_base) };
        c.DefaultRequestHeaders.Add("X-Test-Roles", roles);
        c.DefaultRequestHeaders.Add("X-Test-Name", name);
        if (extension is not null)
        {
            c.DefaultRequestHeaders.Add("X-Test-Extension", extension);
        }

        return c;
    }

    /// <summary>The call's state as CTI lists it, or null when it is no longer listed as in progress.</summary>
    public string? StateOf(string callId) =>
        Calls.Snapshot().FirstOrDefault(c => c.CallId == callId && c.State != "ended")?.State;

    private sealed class AuditCapture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => categoryName == CallCommand.AuditCategory ? new Sink(lines) : new Sink(null);

        public void Dispose()
        {
        }

        private sealed class Sink(ConcurrentQueue<string>? lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => lines is not null;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines?.Enqueue($"{eventId.Id} {formatter(state, exception)}");
        }
    }
}
