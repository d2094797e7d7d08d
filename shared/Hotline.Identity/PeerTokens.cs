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

    /// <summary>The client secret (demo mode) for the neighbour's IdP.</summary>
    public string? ClientSecret { get; set; }
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
