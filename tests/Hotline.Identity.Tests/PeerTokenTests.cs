using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace Hotline.Identity.Tests;

public sealed class PeerTokenTests : IClassFixture<PeerTokenTests.Node>
{
    private readonly NodeFactory _peer;

    public PeerTokenTests(Node node) => _peer = node.Factory;

    public sealed class Node : IDisposable
    {
        public NodeFactory Factory { get; } = new("440300");

        public void Dispose() => Factory.Dispose();
    }

    [Fact]
    public async Task Provider_fetches_once_caches_and_the_handler_calls_the_peer()
    {
        var counter = new CountingHandler();
        await using var services = Services(counter, "node-440000-secret");
        var tokens = services.GetRequiredService<IPeerTokenProvider>();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => tokens.GetTokenAsync("440300", CancellationToken.None).AsTask()));
        Assert.Single(results.Distinct());
        Assert.Equal(1, counter.TokenRequests);

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient("peer");
        using var response = await http.GetAsync(new Uri("/api/v1/identity/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"node\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, counter.TokenRequests);
    }

    [Fact]
    public async Task Refused_credentials_raise_a_peer_token_error()
    {
        await using var services = Services(new CountingHandler(), "wrong-secret");
        var tokens = services.GetRequiredService<IPeerTokenProvider>();
        var error = await Assert.ThrowsAsync<PeerTokenException>(() => tokens.GetTokenAsync("440300", CancellationToken.None).AsTask());
        Assert.Contains("invalid_client", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_peer_is_an_error()
    {
        await using var services = Services(new CountingHandler(), "node-440000-secret");
        var tokens = services.GetRequiredService<IPeerTokenProvider>();
        await Assert.ThrowsAsync<PeerTokenException>(() => tokens.GetTokenAsync("999999", CancellationToken.None).AsTask());
    }

    private ServiceProvider Services(CountingHandler counter, string secret)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Federation:Peers:0:Id"] = "440300",
            ["Federation:Peers:0:Url"] = "http://localhost",
            ["Federation:Peers:0:ClientId"] = "node-440000",
            ["Federation:Peers:0:ClientSecret"] = secret,
            ["Federation:Peers:0:Authentication"] = "ClientSecret",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPeerTokens(configuration);
        counter.InnerHandler = _peer.Server.CreateHandler();
        services.AddHttpClient(PeerTokenExtensions.TokenHttpClientName).ConfigurePrimaryHttpMessageHandler(() => counter);
        services.AddHttpClient("peer", c => c.BaseAddress = new Uri("http://localhost"))
            .ConfigurePrimaryHttpMessageHandler(() => _peer.Server.CreateHandler())
            .AddPeerToken("440300");
        return services.BuildServiceProvider();
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _tokenRequests;

        public int TokenRequests => _tokenRequests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath == "/connect/token")
            {
                Interlocked.Increment(ref _tokenRequests);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
