using System.Security.Claims;
using Hotline.Identity.Data;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Hotline.Identity;

/// <summary>Builds the identities that OpenIddict turns into tokens: subject, name, roles, the agent's
/// <c>extension</c> (from the user's claims), this node's audience.</summary>
internal static class StaffClaims
{
    public const string RolesProperty = "hotline_roles";

    public static string Audience(NodeOptions node) => $"hotline:{node.Id}";

    public static ClaimsIdentity ForClient(string clientId, string? displayName, IEnumerable<string> roles, NodeOptions node, IEnumerable<string> scopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, clientId)
            .SetClaim(Claims.Name, displayName ?? clientId)
            .SetClaims(Claims.Role, [.. roles]);
        return Finish(identity, node, scopes);
    }

    public static async Task<ClaimsIdentity> ForUserAsync(StaffUser user, UserManager<StaffUser> users, NodeOptions node, IEnumerable<string> scopes)
    {
        var identity = NewIdentity();
        var roles = await users.GetRolesAsync(user).ConfigureAwait(false);
        var extensions = users.SupportsUserClaim
            ? (await users.GetClaimsAsync(user).ConfigureAwait(false)).Where(c => c.Type == HotlineClaims.Extension).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray()
            : [];
        identity.SetClaims(HotlineClaims.Extension, [.. extensions]);
        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, user.UserName)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaim("display_name", string.IsNullOrEmpty(user.DisplayName) ? user.UserName : user.DisplayName)
            .SetClaims(Claims.Role, [.. roles]);
        return Finish(identity, node, scopes);
    }

    private static ClaimsIdentity NewIdentity() =>
        new(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

    private static ClaimsIdentity Finish(ClaimsIdentity identity, NodeOptions node, IEnumerable<string> scopes)
    {
        identity.SetClaim("node", node.Id);
        identity.SetAudiences(Audience(node));
        identity.SetScopes(scopes);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Name or Claims.Role or Claims.PreferredUsername or HotlineClaims.DisplayName or HotlineClaims.Node or HotlineClaims.Extension
                => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });
        return identity;
    }
}
