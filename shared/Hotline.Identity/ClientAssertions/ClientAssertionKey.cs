using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hotline.Identity.ClientAssertions;

/// <summary>
/// This node's own key for authenticating to neighbours' IdPs with <c>private_key_jwt</c> (RFC 7523): a private RSA key
/// kept owner-only at <c>data/&lt;node&gt;/keys/client-assertion.pem</c>, distinct from the token-signing key. Its public
/// half is published at <see cref="JwksPath"/> and written to <c>keys/client-jwks.json</c>.
/// </summary>
internal sealed class ClientAssertionKey
{
    /// <summary>Where every node publishes the public keys of its client assertions (anonymous).</summary>
    public const string JwksPath = "/.well-known/client-jwks";

    /// <summary>The JWT type of a client assertion (draft-ietf-oauth-rfc7523bis); OpenIddict 7 requires it.</summary>
    public const string TokenType = "client-authentication+jwt";

    /// <summary>The longest lifetime a receiving node accepts for an assertion.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The lifetime of the assertions this node makes: short, well inside <see cref="MaxLifetime"/>.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private const string FileName = "client-assertion";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly Lazy<RsaSecurityKey> _key;

    public ClientAssertionKey(IOptions<NodeOptions> node, IOptions<StorageOptions> storage)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(storage);
        _key = new Lazy<RsaSecurityKey>(() =>
        {
            var directory = Path.Combine(storage.Value.NodeDirectory(node.Value.Id), "keys");
            var key = NodeKeys.LoadOrCreate(directory, FileName);
            var jwks = Path.Combine(directory, "client-jwks.json");
            var json = PublicJwksJson(key);
            if (!File.Exists(jwks) || File.ReadAllText(jwks) != json)
            {
                File.WriteAllText(jwks, json);
            }

            return key;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The key id (a hash of the public key), carried as <c>kid</c> in each assertion's header.</summary>
    public string KeyId => _key.Value.KeyId;

    /// <summary>The public JWKS document (<c>{"keys":[…]}</c>) of this node's assertion key.</summary>
    public string PublicJwks() => PublicJwksJson(_key.Value);

    /// <summary>
    /// A signed client assertion: <c>iss</c> = <c>sub</c> = <paramref name="clientId"/>, <c>aud</c> =
    /// <paramref name="audience"/> (the receiving IdP's issuer), a fresh <c>jti</c>, <c>iat</c>, <c>nbf</c>, and
    /// <c>exp</c> <see cref="Lifetime"/> later.
    /// </summary>
    public string CreateAssertion(string clientId, string audience, DateTimeOffset now) =>
        Create(_key.Value, clientId, audience, now, Lifetime, Guid.NewGuid().ToString("N"));

    /// <summary>Signs an assertion with any key (tests forge wrong keys, long lifetimes and reused ids with it).</summary>
    internal static string Create(SecurityKey key, string clientId, string audience, DateTimeOffset now, TimeSpan lifetime, string jti)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = clientId,
                [JwtRegisteredClaimNames.Jti] = jti,
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            TokenType = TokenType,
        };
        return Handler.CreateToken(descriptor);
    }

    private static string PublicJwksJson(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        var jwk = new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = SecurityAlgorithms.RsaSha256,
            ["kid"] = key.KeyId,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        };
        return new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
