namespace Hotline.Identity;

/// <summary>
/// A neighbour node this node calls (parent or child), with the client credentials that neighbour's IdP issued to this
/// node. Bound from <c>Federation:Peers</c>.
/// </summary>
public sealed class PeerNode
{
    /// <summary>The neighbour's region code.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The neighbour's base URL (its IdP is at <c>{Url}/connect/token</c>).</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The client id this node holds at the neighbour's IdP.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>The client secret (demo mode) for the neighbour's IdP; used only with <see cref="PeerAuthentication.ClientSecret"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>How this node authenticates at the neighbour's IdP (default <see cref="PeerAuthentication.PrivateKeyJwt"/>).</summary>
    public PeerAuthentication Authentication { get; set; } = PeerAuthentication.PrivateKeyJwt;

    /// <summary>The neighbour IdP's issuer, the audience of client assertions; default <c>{Url}/</c>.</summary>
    public string? Issuer { get; set; }

    /// <summary>The audience of this node's client assertions for the neighbour.</summary>
    public string AssertionAudience() => string.IsNullOrWhiteSpace(Issuer) ? Url.TrimEnd('/') + "/" : Issuer;
}

/// <summary>How a node authenticates to a neighbour's token endpoint.</summary>
public enum PeerAuthentication
{
    /// <summary>A short-lived JWT signed with this node's own key (RFC 7523); the neighbour holds only the public key.</summary>
    PrivateKeyJwt,

    /// <summary>A shared client secret (demo mode only).</summary>
    ClientSecret,
}

/// <summary>The neighbours of this node. Bound from the <c>Federation</c> section.</summary>
public sealed class PeerNodesOptions
{
    public const string SectionName = "Federation";

    public List<PeerNode> Peers { get; set; } = [];
}

/// <summary>Gets (and caches until shortly before expiry) an access token from a neighbour's IdP for calling it.</summary>
public interface IPeerTokenProvider
{
    /// <summary>A bearer token audience-bound to <paramref name="peerId"/>, obtained with client credentials.</summary>
    ValueTask<string> GetTokenAsync(string peerId, CancellationToken cancellationToken);
}
