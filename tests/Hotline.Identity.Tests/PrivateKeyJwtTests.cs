using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Hotline.Identity.ClientAssertions;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Hotline.Identity.Tests;

/// <summary>
/// Node-to-node client credentials with <c>private_key_jwt</c> (RFC 7523): the caller (province 440000) signs an
/// assertion with its own key; the receiving city (440300) holds only the caller's public key, fetched from the
/// caller's JWKS URL on first contact.
/// </summary>
public sealed class PrivateKeyJwtTests : IClassFixture<PrivateKeyJwtTests.Receiver>
{
    private const string CallerClientId = "node-440000";
    private const string Audience = "http://localhost/";

    private readonly Receiver _receiver;

    public PrivateKeyJwtTests(Receiver receiver) => _receiver = receiver;

    /// <summary>The receiving city, whose JWKS client reaches the caller's published keys.</summary>
    public sealed class Receiver : IDisposable
    {
        public Receiver()
        {
            Caller = new CallerNode();
            Jwks = new JwksServer(Caller.Key);
            Factory = CreateReceiver(Jwks, demo: true);
        }

        internal CallerNode Caller { get; }

        internal JwksServer Jwks { get; }

        public WebApplicationFactory<Hotline.Municipal.Program> Factory { get; }

        public void Dispose()
        {
            Factory.Dispose();
            Caller.Dispose();
        }
    }

    [Fact]
    public async Task A_node_gets_a_token_with_a_signed_assertion_and_calls_the_peer()
    {
        await using var services = _receiver.Caller.Services(_receiver.Factory);
        var token = await services.GetRequiredService<IPeerTokenProvider>().GetTokenAsync("440300", CancellationToken.None);

        using var http = _receiver.Factory.CreateClient();
        using var me = await Http.GetWithTokenAsync(http, "/api/v1/identity/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(CallerClientId, body.GetProperty("subject").GetString());
        Assert.Contains("node", body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        // The key is now known: a second assertion is accepted without fetching it again.
        var fetches = _receiver.Jwks.Fetches;
        Assert.True(fetches >= 1);
        using var again = await PostAssertionAsync(http, _receiver.Caller.Key.CreateAssertion(CallerClientId, Audience, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(fetches, _receiver.Jwks.Fetches);
    }

    [Fact]
    public async Task A_replayed_assertion_is_refused()
    {
        using var http = _receiver.Factory.CreateClient();
        var assertion = _receiver.Caller.Key.CreateAssertion(CallerClientId, Audience, DateTimeOffset.UtcNow);

        using var first = await PostAssertionAsync(http, assertion);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var replay = await PostAssertionAsync(http, assertion);
        await AssertInvalidClientAsync(replay);
    }

    [Fact]
    public async Task Spent_assertion_ids_are_pruned_only_once_they_are_old_and_a_fresh_replay_is_still_refused()
    {
        using var http = _receiver.Factory.CreateClient();
        var assertion = _receiver.Caller.Key.CreateAssertion(CallerClientId, Audience, DateTimeOffset.UtcNow);
        using (var first = await PostAssertionAsync(http, assertion))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // A row the replay guard wrote two days ago, long expired.
        var oldId = "assertion:old-" + Guid.NewGuid().ToString("N");
        await using (var scope = _receiver.Factory.Services.CreateAsyncScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictTokenManager>();
            await tokens.CreateAsync(new OpenIddict.Abstractions.OpenIddictTokenDescriptor
            {
                ReferenceId = oldId,
                Type = ClientAssertionReplayGuard.UsedAssertionType,
                Status = OpenIddict.Abstractions.OpenIddictConstants.Statuses.Redeemed,
                Subject = CallerClientId,
                CreationDate = DateTimeOffset.UtcNow.AddDays(-2),
                ExpirationDate = DateTimeOffset.UtcNow.AddDays(-2).AddMinutes(2),
            });
        }

        var removed = await _receiver.Factory.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None);

        Assert.True(removed >= 1, $"removed {removed}");
        await using (var scope = _receiver.Factory.Services.CreateAsyncScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictTokenManager>();
            Assert.Null(await tokens.FindByReferenceIdAsync(oldId));
        }

        using var replay = await PostAssertionAsync(http, assertion);
        await AssertInvalidClientAsync(replay);
    }

    [Fact]
    public async Task An_assertion_signed_with_another_key_is_refused()
    {
        using var http = _receiver.Factory.CreateClient();
        using var rsa = RSA.Create(2048);

        // Another key with its own id, and another key pretending to be the caller's (same kid).
        foreach (var kid in new[] { "someone-else", _receiver.Caller.Key.KeyId })
        {
            var forged = ClientAssertionKey.Create(new RsaSecurityKey(rsa) { KeyId = kid }, CallerClientId, Audience,
                DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2), Guid.NewGuid().ToString("N"));
            using var response = await PostAssertionAsync(http, forged);
            await AssertInvalidClientAsync(response);
        }
    }

    [Fact]
    public async Task An_assertion_living_longer_than_five_minutes_is_refused()
    {
        using var http = _receiver.Factory.CreateClient();
        var assertion = ClientAssertionKey.Create(_receiver.Caller.PrivateKey, CallerClientId, Audience,
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(30), Guid.NewGuid().ToString("N"));
        using var response = await PostAssertionAsync(http, assertion);
        await AssertInvalidClientAsync(response);
    }

    [Fact]
    public async Task An_assertion_for_another_audience_is_refused()
    {
        using var http = _receiver.Factory.CreateClient();
        var assertion = _receiver.Caller.Key.CreateAssertion(CallerClientId, "http://elsewhere.example/", DateTimeOffset.UtcNow);
        using var response = await PostAssertionAsync(http, assertion);
        Assert.False(response.IsSuccessStatusCode);
        Assert.Contains("invalid_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_demo_mode_a_keyed_node_client_has_no_secret()
    {
        var jwks = new JwksServer(_receiver.Caller.Key);
        using var factory = CreateReceiver(jwks, demo: false);
        using var http = factory.CreateClient();

        using var secret = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = CallerClientId,
            ["client_secret"] = "node-440000-secret",
        }));
        Assert.False(secret.IsSuccessStatusCode);

        // Registered on first contact, from the fetched keys.
        using var assertion = await PostAssertionAsync(http, _receiver.Caller.Key.CreateAssertion(CallerClientId, Audience, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, assertion.StatusCode);
        Assert.Equal(1, jwks.Fetches);
    }

    [Fact]
    public async Task Every_node_publishes_the_public_key_of_its_assertions()
    {
        using var http = _receiver.Factory.CreateClient();
        var json = await http.GetStringAsync(new Uri("/.well-known/client-jwks", UriKind.Relative));
        var set = new JsonWebKeySet(json);
        var key = Assert.Single(set.Keys);
        Assert.Equal("RSA", key.Kty);
        Assert.False(key.HasPrivateKey);
        Assert.NotEmpty(key.Kid);
        Assert.DoesNotContain("\"d\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_neighbours_client_takes_its_keys_from_the_neighbours_url()
    {
        var identity = new IdentityModuleOptions
        {
            Clients =
            [
                new ConfidentialClient { ClientId = "node-440000", ClientSecret = "s" },
                new ConfidentialClient { ClientId = "node-440100", JwksUri = "http://keys.example/jwks" },
                new ConfidentialClient { ClientId = "demo-440300", ClientSecret = "s" },
            ],
        };
        var peers = new PeerNodesOptions { Peers = [new PeerNode { Id = "440000", Url = "http://127.0.0.1:5200/", ClientId = "node-440300" }] };
        var sources = new ClientKeySources(new StaticMonitor<IdentityModuleOptions>(identity), new StaticMonitor<PeerNodesOptions>(peers));

        Assert.Equal(new Uri("http://127.0.0.1:5200/.well-known/client-jwks"), sources.JwksUriOf("node-440000"));
        Assert.Equal(new Uri("http://keys.example/jwks"), sources.JwksUriOf("node-440100"));
        Assert.Null(sources.JwksUriOf("demo-440300"));
        Assert.False(sources.UsesKeys(identity.Clients[2]));
    }

    [Fact]
    public async Task A_peer_set_to_client_secret_still_uses_its_secret()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Federation:Peers:0:Authentication"] = "ClientSecret",
            ["Federation:Peers:0:ClientSecret"] = "node-440000-secret",
        };
        await using var services = _receiver.Caller.Services(_receiver.Factory, configuration);
        var recorder = services.GetRequiredService<FormRecorder>();
        var token = await services.GetRequiredService<IPeerTokenProvider>().GetTokenAsync("440300", CancellationToken.None);
        Assert.False(string.IsNullOrEmpty(token));
        Assert.Contains("client_secret=", recorder.LastForm, StringComparison.Ordinal);
        Assert.DoesNotContain("client_assertion", recorder.LastForm, StringComparison.Ordinal);
    }

    private static WebApplicationFactory<Hotline.Municipal.Program> CreateReceiver(JwksServer jwks, bool demo)
    {
        var node = new NodeFactory("440300", overrides: new Dictionary<string, string?>
        {
            ["Identity:Demo:Enabled"] = demo ? "true" : "false",
            ["Identity:Clients:1:JwksUri"] = "http://440000.test/.well-known/client-jwks",
        });
        return node.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddHttpClient(PeerJwksRefresher.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => jwks)));
    }

    private static Task<HttpResponseMessage> PostAssertionAsync(HttpClient http, string assertion) =>
        http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = CallerClientId,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        }));

    private static async Task AssertInvalidClientAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.False(response.IsSuccessStatusCode, body);
        Assert.Contains("invalid_client", body, StringComparison.Ordinal);
    }

    /// <summary>The province's side: its own data folder (and so its own assertion key) and a peer token provider.</summary>
    internal sealed class CallerNode : IDisposable
    {
        private readonly string _data = Path.Combine(Path.GetTempPath(), "hotline-identity-tests", Guid.NewGuid().ToString("N"));

        public CallerNode()
        {
            Key = new ClientAssertionKey(
                Options.Create(new NodeOptions { Id = "440000", Name = "广东省", Tier = NodeTier.Provincial, Parent = "100000" }),
                Options.Create(new StorageOptions { DataDirectory = _data }));
            _ = Key.KeyId; // creates the key file
            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(Path.Combine(_data, "440000", "keys", "client-assertion.pem")));
            PrivateKey = new RsaSecurityKey(rsa) { KeyId = Key.KeyId };
        }

        public ClientAssertionKey Key { get; }

        public RsaSecurityKey PrivateKey { get; }

        /// <summary>Services of the caller whose token requests reach <paramref name="peer"/>'s test server.</summary>
        public ServiceProvider Services(WebApplicationFactory<Hotline.Municipal.Program> peer, IDictionary<string, string?>? extra = null)
        {
            var settings = new Dictionary<string, string?>
            {
                ["Federation:Peers:0:Id"] = "440300",
                ["Federation:Peers:0:Url"] = "http://localhost",
                ["Federation:Peers:0:ClientId"] = CallerClientId,
            };
            foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton(Key);
            services.AddPeerTokens(configuration);
            var recorder = new FormRecorder { InnerHandler = peer.Server.CreateHandler() };
            services.AddSingleton(recorder);
            services.AddHttpClient(PeerTokenExtensions.TokenHttpClientName).ConfigurePrimaryHttpMessageHandler(() => recorder);
            return services.BuildServiceProvider();
        }

        public void Dispose()
        {
            try
            {
                System.IO.Directory.Delete(_data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Serves the caller's public JWKS and counts the fetches.</summary>
    internal sealed class JwksServer(ClientAssertionKey key) : HttpMessageHandler
    {
        private int _fetches;

        public int Fetches => Volatile.Read(ref _fetches);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("/.well-known/client-jwks", request.RequestUri!.AbsolutePath);
            Interlocked.Increment(ref _fetches);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(key.PublicJwks()) });
        }
    }

    /// <summary>Remembers the last token request's form.</summary>
    public sealed class FormRecorder : DelegatingHandler
    {
        public string LastForm { get; private set; } = string.Empty;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                LastForm = await request.Content.ReadAsStringAsync(cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class StaticMonitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
