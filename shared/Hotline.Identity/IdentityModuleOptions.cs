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

    internal IEnumerable<string> Validate()
    {
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

            if (string.IsNullOrWhiteSpace(c.ClientSecret))
            {
                yield return $"Identity:Clients:{i}:ClientSecret is required.";
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
}

/// <summary>Demo users per tier (city: agent1 … admin1; province/national: officer1 … admin1).</summary>
public sealed class DemoUsersOptions
{
    public bool Enabled { get; set; }

    /// <summary>The one password of every demo user; supplied by the launcher through the environment.</summary>
    public string? Password { get; set; }
}

/// <summary>A client-credentials client; its tokens carry <see cref="Roles"/> and this node's audience.</summary>
public sealed class ConfidentialClient
{
    public string ClientId { get; set; } = string.Empty;

    public string ClientSecret { get; set; } = string.Empty;

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
