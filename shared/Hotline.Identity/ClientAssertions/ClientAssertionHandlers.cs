using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Hotline.Identity.ClientAssertions;

/// <summary>Where the public keys of a <c>private_key_jwt</c> client come from.</summary>
internal sealed class ClientKeySources(IOptionsMonitor<IdentityModuleOptions> identity, IOptionsMonitor<PeerNodesOptions> peers)
{
    /// <summary>The client id a neighbour holds at this node's IdP (the launcher's convention).</summary>
    public static string PeerClientId(string peerId) => "node-" + peerId;

    /// <summary>
    /// The JWKS URL of <paramref name="clientId"/>: its <c>JwksUri</c>, or for a neighbour's client <c>node-{id}</c>
    /// (a peer in <c>Federation:Peers</c>) the neighbour's <see cref="ClientAssertionKey.JwksPath"/>; null when the
    /// client's keys are configured inline or it has none.
    /// </summary>
    public Uri? JwksUriOf(string clientId)
    {
        var client = identity.CurrentValue.Clients.Find(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
        if (client is null)
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(client.JwksUri))
        {
            return Uri.TryCreate(client.JwksUri, UriKind.Absolute, out var uri) ? uri : null;
        }

        if (!string.IsNullOrWhiteSpace(client.Jwks))
        {
            return null;
        }

        var peer = peers.CurrentValue.Peers.Find(p => string.Equals(PeerClientId(p.Id), clientId, StringComparison.Ordinal));
        return peer is not null && Uri.TryCreate(peer.Url.TrimEnd('/') + ClientAssertionKey.JwksPath, UriKind.Absolute, out var peerUri)
            ? peerUri
            : null;
    }

    /// <summary>True when <paramref name="client"/> authenticates with keys (inline, by URL or as a neighbour).</summary>
    public bool UsesKeys(ConfidentialClient client) =>
        !string.IsNullOrWhiteSpace(client.Jwks) || JwksUriOf(client.ClientId) is not null;
}

/// <summary>
/// Fetches a client's public JWKS from its URL when an assertion names a key this IdP does not hold yet (first
/// contact, a restart of the caller, a rotated key) and stores it on the OpenIddict application, which validates the
/// assertion right after. At most one fetch per client per <see cref="MinimumInterval"/>, so forged assertions cannot
/// make this node hammer a neighbour. Creates the application on first contact when it was not seeded (no secret).
/// </summary>
internal sealed partial class PeerJwksRefresher(
    ClientKeySources sources,
    IOpenIddictApplicationManager applications,
    IHttpClientFactory httpClients,
    PeerJwksThrottle throttle,
    IOptionsMonitor<IdentityModuleOptions> identity,
    ILogger<PeerJwksRefresher> logger) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    /// <summary>The named HttpClient that reads neighbours' JWKS documents.</summary>
    public const string HttpClientName = "Hotline.PeerJwks";

    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(5);

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionValidated>()
            .UseScopedHandler<PeerJwksRefresher>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertion.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(context.ClientAssertion) || context.ClientAssertionType != ClientAssertionTypes.JwtBearer)
        {
            return;
        }

        JsonWebToken unverified;
        try
        {
            unverified = new JsonWebToken(context.ClientAssertion);
        }
        catch (ArgumentException)
        {
            return; // not a JWT: OpenIddict refuses it next
        }

        var clientId = unverified.Issuer;
        if (string.IsNullOrEmpty(clientId) || sources.JwksUriOf(clientId) is not { } uri)
        {
            return;
        }

        var ct = context.CancellationToken;
        var application = await applications.FindByClientIdAsync(clientId, ct).ConfigureAwait(false);
        if (application is not null)
        {
            var known = await applications.GetJsonWebKeySetAsync(application, ct).ConfigureAwait(false);
            if (known is not null && known.Keys.Count > 0
                && (string.IsNullOrEmpty(unverified.Kid) || known.Keys.Any(k => string.Equals(k.Kid, unverified.Kid, StringComparison.Ordinal))))
            {
                return;
            }
        }

        if (!throttle.TryStart(clientId))
        {
            return;
        }

        var fetched = await FetchAsync(clientId, uri, ct).ConfigureAwait(false);
        if (fetched is null)
        {
            return;
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        if (application is null)
        {
            var client = identity.CurrentValue.Clients.Find(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
            if (client is null)
            {
                return;
            }

            var created = Seeding.IdentitySeeder.ConfidentialDescriptor(client, keepSecret: false);
            created.JsonWebKeySet = fetched;
            await applications.CreateAsync(created, ct).ConfigureAwait(false);
        }
        else
        {
            await applications.PopulateAsync(descriptor, application, ct).ConfigureAwait(false);
            descriptor.JsonWebKeySet = fetched;
            await applications.UpdateAsync(application, descriptor, ct).ConfigureAwait(false);
        }

        LogKeysFetched(logger, clientId, uri, fetched.Keys.Count);
    }

    private async Task<JsonWebKeySet?> FetchAsync(string clientId, Uri uri, CancellationToken ct)
    {
        try
        {
            var http = httpClients.CreateClient(HttpClientName);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var json = await http.GetStringAsync(uri, timeout.Token).ConfigureAwait(false);
            var set = new JsonWebKeySet(json);
            return set.Keys.Count > 0 ? set : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or ArgumentException or System.Text.Json.JsonException)
        {
            LogFetchFailed(logger, clientId, uri, ex);
            return null;
        }
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Information, Message = "Fetched {Count} public key(s) of client {ClientId} from {Uri}")]
    private static partial void LogKeysFetched(ILogger logger, string clientId, Uri uri, int count);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "Could not fetch the public keys of client {ClientId} from {Uri}")]
    private static partial void LogFetchFailed(ILogger logger, string clientId, Uri uri, Exception exception);
}

/// <summary>Remembers when each client's keys were last fetched.</summary>
internal sealed class PeerJwksThrottle(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    public bool TryStart(string clientId)
    {
        var now = clock.GetUtcNow();
        while (true)
        {
            if (!_last.TryGetValue(clientId, out var last))
            {
                if (_last.TryAdd(clientId, now))
                {
                    return true;
                }

                continue;
            }

            if (now - last < PeerJwksRefresher.MinimumInterval)
            {
                return false;
            }

            if (_last.TryUpdate(clientId, now, last))
            {
                return true;
            }
        }
    }
}

/// <summary>
/// Refuses a client assertion that lives longer than <see cref="ClientAssertionKey.MaxLifetime"/>, has no <c>jti</c>,
/// or whose <c>jti</c> this IdP has already seen (RFC 7523 §3, item 7). Seen ids are kept in the OpenIddict token
/// store until the assertion expires, so a replay is refused after a restart too.
/// </summary>
internal sealed partial class ClientAssertionReplayGuard(
    IOpenIddictTokenManager tokens,
    TimeProvider clock,
    ILogger<ClientAssertionReplayGuard> logger) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    /// <summary>The OpenIddict token type under which used assertion ids are recorded.</summary>
    public const string UsedAssertionType = "hotline_client_assertion";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
            .UseScopedHandler<ClientAssertionReplayGuard>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.ClientAssertionPrincipal!;
        var clientId = principal.GetClaim(Claims.Issuer) ?? string.Empty;
        var jti = principal.GetClaim(Claims.JwtId);
        var expires = principal.GetExpirationDate();
        var now = clock.GetUtcNow();
        if (string.IsNullOrEmpty(jti))
        {
            context.Reject(Errors.InvalidClient, "The client assertion has no jti.");
            return;
        }

        if (expires is null || expires.Value - now > ClientAssertionKey.MaxLifetime + TimeSpan.FromSeconds(30)
            || (principal.GetCreationDate() is { } issued && expires.Value - issued > ClientAssertionKey.MaxLifetime))
        {
            context.Reject(Errors.InvalidClient, "The client assertion must expire within 5 minutes.");
            return;
        }

        var referenceId = "assertion:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(clientId + "\n" + jti)));
        var ct = context.CancellationToken;
        if (await tokens.FindByReferenceIdAsync(referenceId, ct).ConfigureAwait(false) is not null)
        {
            Refuse(context, clientId);
            return;
        }

        try
        {
            await tokens.CreateAsync(new OpenIddictTokenDescriptor
            {
                ReferenceId = referenceId,
                Type = UsedAssertionType,
                Status = Statuses.Redeemed,
                Subject = clientId,
                CreationDate = now,
                ExpirationDate = expires.Value,
            }, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OpenIddictExceptions.ConcurrencyException or OpenIddictExceptions.ValidationException
                                       or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            // The same id was recorded by a concurrent request: the unique reference id decides who was first.
            Refuse(context, clientId);
        }
    }

    private void Refuse(ProcessAuthenticationContext context, string clientId)
    {
        LogReplay(logger, clientId);
        context.Reject(Errors.InvalidClient, "The client assertion was already used.");
    }

    [LoggerMessage(EventId = 222, Level = LogLevel.Warning, Message = "Refused a replayed client assertion of {ClientId}")]
    private static partial void LogReplay(ILogger logger, string clientId);
}
