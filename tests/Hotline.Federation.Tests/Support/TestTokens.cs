using System.Security.Claims;
using System.Text;
using Hotline.Identity;
using Hotline.SharedKernel;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hotline.Federation.Tests.Support;

/// <summary>Test IdP: symmetric-key JWTs standing in for each node's OpenIddict tokens.</summary>
internal static class TestTokens
{
    public static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("hotline-federation-tests-signing-key-0123456789"));
    public static readonly SymmetricSecurityKey ForgedKey = new(Encoding.UTF8.GetBytes("an-attacker-who-does-not-know-the-key-987654321"));
    public const string Issuer = "hotline-test-idp";

    public static string Issue(string audience, string subject, IEnumerable<string> roles, SecurityKey? key = null)
    {
        var claims = new List<Claim> { new("sub", subject), new("name", subject) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(key ?? Key, SecurityAlgorithms.HmacSha256),
        });
    }

    public static string Staff(string node, string role = HotlineRoles.Officer) => Issue(node, "officer-" + node, [role]);

    public static string Admin(string node) => Issue(node, "admin-" + node, [HotlineRoles.Administrator]);
}

/// <summary>Peer tokens for the test federation: a node token audience-bound to the receiving node.</summary>
internal sealed class TestPeerTokenProvider(string self) : IPeerTokenProvider
{
    public ValueTask<string> GetTokenAsync(string peerId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TestTokens.Issue(peerId, "node-" + self, [HotlineRoles.Node]));
}

/// <summary>A peer token provider that signs with the wrong key (a forged token).</summary>
internal sealed class ForgedPeerTokenProvider : IPeerTokenProvider
{
    public ValueTask<string> GetTokenAsync(string peerId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TestTokens.Issue(peerId, "intruder", [HotlineRoles.Node], TestTokens.ForgedKey));
}
