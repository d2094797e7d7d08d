using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Hotline.Identity.ClientAssertions;
using Hotline.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Identity;

/// <summary>A neighbour's IdP refused to issue a token, or could not be reached.</summary>
public sealed class PeerTokenException : Exception
{
    public PeerTokenException()
    {
    }

    public PeerTokenException(string message)
        : base(message)
    {
    }

    public PeerTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Registration of the peer token provider and the handler that attaches its tokens.</summary>
public static class PeerTokenExtensions
{
    /// <summary>The named HttpClient the provider uses to reach neighbours' token endpoints.</summary>
    public const string TokenHttpClientName = "Hotline.PeerTokens";

    /// <summary>
    /// Binds <see cref="PeerNodesOptions"/> (section <c>Federation</c>, validated at start) and registers a caching,
    /// thread-safe <see cref="IPeerTokenProvider"/> (client credentials against <c>{peer.Url}/connect/token</c>,
    /// authenticated by a client assertion signed with this node's key under <c>data/&lt;node&gt;/keys/</c>, or by a
    /// secret when the peer's <c>Authentication</c> is <c>ClientSecret</c>).
    /// </summary>
    public static IServiceCollection AddPeerTokens(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.BindSectionOnce<PeerNodesOptions>(configuration, PeerNodesOptions.SectionName)
            .Validate(o => o.Peers.TrueForAll(p => !string.IsNullOrWhiteSpace(p.Id)), "Federation:Peers:*:Id is required.")
            .Validate(o => o.Peers.TrueForAll(p => Uri.TryCreate(p.Url, UriKind.Absolute, out _)), "Federation:Peers:*:Url must be an absolute URL.")
            .Validate(o => o.Peers.TrueForAll(p => !string.IsNullOrWhiteSpace(p.ClientId)), "Federation:Peers:*:ClientId is required.")
            .Validate(o => o.Peers.TrueForAll(p => p.Authentication != PeerAuthentication.ClientSecret || !string.IsNullOrWhiteSpace(p.ClientSecret)),
                "Federation:Peers:*:ClientSecret is required when Authentication is ClientSecret.")
            .Validate(o => o.Peers.TrueForAll(p => string.IsNullOrWhiteSpace(p.Issuer) || Uri.TryCreate(p.Issuer, UriKind.Absolute, out _)),
                "Federation:Peers:*:Issuer must be an absolute URL.")
            .Validate(o => o.Peers.Select(p => p.Id).Distinct(StringComparer.Ordinal).Count() == o.Peers.Count, "Federation:Peers has the same Id twice.")
            .ValidateOnStart();
        services.AddHttpClient(TokenHttpClientName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClientAssertionKey>();
        services.AddSingleton<IPeerTokenProvider, PeerTokenProvider>();
        return services;
    }

    /// <summary>Adds a <see cref="PeerTokenHandler"/> for <paramref name="peerId"/> to this client: every request carries
    /// a bearer token from that neighbour's IdP.</summary>
    public static IHttpClientBuilder AddPeerToken(this IHttpClientBuilder builder, string peerId)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(peerId);
        return builder.AddHttpMessageHandler(sp => new PeerTokenHandler(peerId, sp.GetRequiredService<IPeerTokenProvider>()));
    }
}

/// <summary>Attaches <c>Authorization: Bearer …</c> with a token from the neighbour <c>peerId</c>'s IdP.</summary>
public sealed class PeerTokenHandler : DelegatingHandler
{
    private readonly string _peerId;
    private readonly IPeerTokenProvider _tokens;

    public PeerTokenHandler(string peerId, IPeerTokenProvider tokens)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(peerId);
        _peerId = peerId;
        _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = await _tokens.GetTokenAsync(_peerId, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Client-credentials tokens per peer, cached until shortly before they expire; one fetch at a time per peer.</summary>
internal sealed partial class PeerTokenProvider(
    IHttpClientFactory httpClients,
    IOptionsMonitor<PeerNodesOptions> options,
    ClientAssertionKey assertionKey,
    TimeProvider clock,
    ILogger<PeerTokenProvider> logger) : IPeerTokenProvider, IDisposable
{
    /// <summary>Refresh this long before expiry (or a fifth of the lifetime when that is shorter).</summary>
    internal static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(60);

    private const string ClientAssertionTypeJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async ValueTask<string> GetTokenAsync(string peerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(peerId);
        if (TryGetFresh(peerId, out var token))
        {
            return token;
        }

        var gate = _gates.GetOrAdd(peerId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryGetFresh(peerId, out token))
            {
                return token;
            }

            var fetched = await FetchAsync(peerId, cancellationToken).ConfigureAwait(false);
            _tokens[peerId] = fetched;
            return fetched.AccessToken;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }

    private bool TryGetFresh(string peerId, out string token)
    {
        if (_tokens.TryGetValue(peerId, out var cached) && clock.GetUtcNow() < cached.RefreshAt)
        {
            token = cached.AccessToken;
            return true;
        }

        token = string.Empty;
        return false;
    }

    private async Task<CachedToken> FetchAsync(string peerId, CancellationToken cancellationToken)
    {
        var peer = options.CurrentValue.Peers.Find(p => string.Equals(p.Id, peerId, StringComparison.Ordinal))
            ?? throw new PeerTokenException($"No peer '{peerId}' in Federation:Peers.");
        var endpoint = new Uri(new Uri(peer.Url.TrimEnd('/') + "/"), "connect/token");
        var requestedAt = clock.GetUtcNow();
        var fields = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = peer.ClientId,
        };
        if (peer.Authentication == PeerAuthentication.ClientSecret)
        {
            if (string.IsNullOrEmpty(peer.ClientSecret))
            {
                throw new PeerTokenException($"Federation:Peers '{peerId}' has no ClientSecret.");
            }

            fields["client_secret"] = peer.ClientSecret;
        }
        else
        {
            fields["client_assertion_type"] = ClientAssertionTypeJwtBearer;
            fields["client_assertion"] = assertionKey.CreateAssertion(peer.ClientId, peer.AssertionAudience(), requestedAt);
        }

        using var form = new FormUrlEncodedContent(fields);
        var http = httpClients.CreateClient(PeerTokenExtensions.TokenHttpClientName);
        TokenResponse? body;
        try
        {
            using var response = await http.PostAsync(endpoint, form, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode || string.IsNullOrEmpty(body?.AccessToken))
            {
                throw new PeerTokenException(
                    $"Peer {peerId} refused a token ({(int)response.StatusCode}): {body?.Error} {body?.ErrorDescription}".TrimEnd());
            }
        }
        catch (HttpRequestException ex)
        {
            LogFetchFailed(logger, peerId, ex);
            throw new PeerTokenException($"Peer {peerId} token endpoint {endpoint} unreachable.", ex);
        }
        catch (System.Text.Json.JsonException ex)
        {
            LogFetchFailed(logger, peerId, ex);
            throw new PeerTokenException($"Peer {peerId} token endpoint {endpoint} answered with something other than a token.", ex);
        }

        var lifetime = TimeSpan.FromSeconds(body.ExpiresIn is > 0 ? body.ExpiresIn.Value : 300);
        var margin = TimeSpan.FromTicks(Math.Min(RefreshMargin.Ticks, lifetime.Ticks / 5));
        LogFetched(logger, peerId, lifetime.TotalSeconds);
        return new CachedToken(body.AccessToken, requestedAt + lifetime - margin);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Got a token from peer {PeerId}, valid {Seconds:F0} s")]
    private static partial void LogFetched(ILogger logger, string peerId, double seconds);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Token request to peer {PeerId} failed")]
    private static partial void LogFetchFailed(ILogger logger, string peerId, Exception exception);

    private sealed record CachedToken(string AccessToken, DateTimeOffset RefreshAt);

    private sealed class TokenResponse
    {
        [JsonPropertyName("access_token")]
        public string? AccessToken { get; set; }

        [JsonPropertyName("expires_in")]
        public int? ExpiresIn { get; set; }

        [JsonPropertyName("error")]
        public string? Error { get; set; }

        [JsonPropertyName("error_description")]
        public string? ErrorDescription { get; set; }
    }
}
