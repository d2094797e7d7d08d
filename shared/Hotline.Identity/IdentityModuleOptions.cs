using Hotline.SharedKernel;

namespace Hotline.Identity;

/// <summary>Identity settings of a node. Section <c>Identity</c>. Secrets come only from configuration (environment).</summary>
public sealed class IdentityModuleOptions
{
    public const string SectionName = "Identity";

    /// <summary>Demo users seeded at start (<c>Identity:Demo</c>).</summary>
    public DemoUsersOptions Demo { get; set; } = new();

    /// <summary>Confidential clients using client credentials: peer nodes and demo API clients.</summary>
    public List<ConfidentialClient> Clients { get; set; } = [];

    /// <summary>Public browser clients using authorization code + PKCE (S256).</summary>
    public List<WebClient> WebClients { get; set; } = [];

    /// <summary>Access token lifetime in minutes.</summary>
    public int AccessTokenMinutes { get; set; } = 30;

    /// <summary>How often spent rows (used assertion ids, redeemed codes, expired tokens) are pruned from the token store.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How old a spent row must be before it is pruned; longer than the longest client assertion (5 minutes).</summary>
    public TimeSpan PruneAfter { get; set; } = TimeSpan.FromDays(1);

    internal IEnumerable<string> Validate()
    {
        if (PruneInterval < TimeSpan.FromSeconds(1))
        {
            yield return "Identity:PruneInterval must be at least one second.";
        }

        if (PruneAfter <= ClientAssertions.ClientAssertionKey.MaxLifetime + TimeSpan.FromSeconds(30))
        {
            yield return "Identity:PruneAfter must be longer than the longest client assertion (5 minutes 30 seconds).";
        }

        if (Demo.Enabled && string.IsNullOrWhiteSpace(Demo.Password))
        {
            yield return "Identity:Demo:Password is required when Identity:Demo:Enabled is true.";
        }

        for (var i = 0; i < Clients.Count; i++)
        {
            var c = Clients[i];
            if (string.IsNullOrWhiteSpace(c.ClientId))
            {
                yield return $"Identity:Clients:{i}:ClientId is required.";
            }

            if (string.IsNullOrWhiteSpace(c.ClientSecret) && string.IsNullOrWhiteSpace(c.JwksUri) && string.IsNullOrWhiteSpace(c.Jwks)
                && !c.ClientId.StartsWith("node-", StringComparison.Ordinal))
            {
                yield return $"Identity:Clients:{i}:ClientSecret is required (or JwksUri / Jwks for private_key_jwt).";
            }

            if (!string.IsNullOrWhiteSpace(c.JwksUri) && !Uri.TryCreate(c.JwksUri, UriKind.Absolute, out _))
            {
                yield return $"Identity:Clients:{i}:JwksUri '{c.JwksUri}' is not an absolute URL.";
            }

            if (!string.IsNullOrWhiteSpace(c.Jwks) && !IsJwks(c.Jwks))
            {
                yield return $"Identity:Clients:{i}:Jwks is not a JSON Web Key Set with at least one key.";
            }

            foreach (var role in c.Roles.Where(r => r != HotlineRoles.Node && !HotlineRoles.All.Contains(r)))
            {
                yield return $"Identity:Clients:{i}:Roles contains unknown role '{role}'.";
            }
        }

        for (var i = 0; i < WebClients.Count; i++)
        {
            var c = WebClients[i];
            if (string.IsNullOrWhiteSpace(c.ClientId))
            {
                yield return $"Identity:WebClients:{i}:ClientId is required.";
            }

            if (c.RedirectUris.Count == 0 || !c.RedirectUris.TrueForAll(u => Uri.TryCreate(u, UriKind.Absolute, out _)))
            {
                yield return $"Identity:WebClients:{i}:RedirectUris needs at least one absolute URL.";
            }
        }

        if (AccessTokenMinutes is < 1 or > 24 * 60)
        {
            yield return "Identity:AccessTokenMinutes must be between 1 and 1440.";
        }
    }

    private static bool IsJwks(string json)
    {
        try
        {
            return new Microsoft.IdentityModel.Tokens.JsonWebKeySet(json).Keys.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}

/// <summary>Demo users per tier (city: agent1 … admin1; province/national: officer1 … admin1).</summary>
public sealed class DemoUsersOptions
{
    public bool Enabled { get; set; }

    /// <summary>The one password of every demo user; supplied by the launcher through the environment.</summary>
    public string? Password { get; set; }
}

/// <summary>
/// A client-credentials client; its tokens carry <see cref="Roles"/> and this node's audience. It authenticates with
/// <c>private_key_jwt</c> (RFC 7523) when it has keys — <see cref="Jwks"/>, <see cref="JwksUri"/>, or, for a neighbour's
/// client <c>node-{id}</c> with <c>{id}</c> in <c>Federation:Peers</c>, the neighbour's <c>/.well-known/client-jwks</c> —
/// and with <see cref="ClientSecret"/> otherwise. A keyed client keeps its secret only in demo mode.
/// </summary>
public sealed class ConfidentialClient
{
    public string ClientId { get; set; } = string.Empty;

    /// <summary>The shared secret (demo clients; neighbours in demo mode as a fallback).</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Where the client publishes its public keys (fetched when an assertion names an unknown key).</summary>
    public string? JwksUri { get; set; }

    /// <summary>The client's public keys inline, as a JSON Web Key Set document.</summary>
    public string? Jwks { get; set; }

    public string? DisplayName { get; set; }

    public List<string> Roles { get; set; } = [];
}

/// <summary>A browser application signing staff in with authorization code + PKCE.</summary>
public sealed class WebClient
{
    public string ClientId { get; set; } = string.Empty;

    public string? DisplayName { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];
}
