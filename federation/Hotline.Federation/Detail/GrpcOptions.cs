using Hotline.SharedKernel;

namespace Hotline.Federation.Detail;

/// <summary>
/// This node's gRPC listener, bound from the <c>Node</c> section: <c>Node:GrpcUrl</c>, e.g. <c>http://127.0.0.1:5411</c>.
/// Kestrel serves gRPC there over HTTP/2 only, in cleartext (h2c), beside the node's ordinary HTTP/1.1+2 address.
/// Unset: the node serves no gRPC (superiors cannot read its cases on demand).
/// </summary>
public sealed class GrpcNodeOptions
{
    /// <summary>The absolute http:// URL of the h2c listener (port 0 picks a free port).</summary>
    public string? GrpcUrl { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (GrpcUrl is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/"))
        {
            yield return $"Node:GrpcUrl '{url}' must be an absolute http:// URL without a path (gRPC over h2c).";
        }
    }
}

/// <summary>A neighbour's gRPC address: <c>Federation:Peers:{i}:Grpc</c> next to its <c>Id</c> and <c>Url</c>.</summary>
public sealed class GrpcPeer
{
    /// <summary>The neighbour's region code.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The neighbour's h2c gRPC URL; absent: on-demand reads through that neighbour are off.</summary>
    public string? Grpc { get; set; }
}

/// <summary>The gRPC addresses of this node's neighbours, bound from the <c>Federation</c> section.</summary>
public sealed class GrpcPeersOptions
{
    /// <summary>Same list as <c>Federation:Peers</c>; only <c>Id</c> and <c>Grpc</c> are read here.</summary>
    public List<GrpcPeer> Peers { get; set; } = [];

    /// <summary>How long one hop may take before the caller gives up (the deadline is passed down the tree).</summary>
    public TimeSpan DetailTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal IEnumerable<string> Validate()
    {
        foreach (var peer in Peers.Where(p => p.Grpc is { Length: > 0 }))
        {
            if (!Uri.TryCreate(peer.Grpc, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                yield return $"Federation:Peers '{peer.Id}': Grpc '{peer.Grpc}' must be an absolute http(s):// URL.";
            }
        }

        if (DetailTimeout <= TimeSpan.Zero || DetailTimeout > TimeSpan.FromMinutes(2))
        {
            yield return "Federation:DetailTimeout must be between 0 and 2 minutes.";
        }
    }
}

/// <summary>
/// Who may read whose cases (上级调阅的范围): only a node above the owning city — the ministry reads every city, a
/// province its own cities. A city reads no other city's case, a province no other province's city.
/// </summary>
public static class DetailScope
{
    /// <summary>The owning node of a case number: its leading region code (<c>440300-20261125-000123</c> → 440300), or null.</summary>
    public static string? OwnerOf(string? caseNumber)
    {
        if (caseNumber is null || caseNumber.Length is < 8 or > 40 || caseNumber[6] != '-')
        {
            return null;
        }

        var code = caseNumber[..6];
        return RegionCode.IsValid(code) && code != NodeOptions.NationalId && !RegionCode.IsProvince(code) ? code : null;
    }

    /// <summary>True when <paramref name="upper"/> is strictly above <paramref name="lower"/> in the tree.</summary>
    public static bool IsAbove(string upper, string lower)
    {
        if (!RegionCode.IsValid(upper) || !RegionCode.IsValid(lower) || upper == lower)
        {
            return false;
        }

        if (upper == NodeOptions.NationalId)
        {
            return true;
        }

        return RegionCode.IsProvince(upper) && lower != NodeOptions.NationalId && RegionCode.ProvinceOf(lower) == upper;
    }

    /// <summary>True when <paramref name="node"/> is <paramref name="other"/> or above it.</summary>
    public static bool IsSelfOrAbove(string node, string other) => node == other || IsAbove(node, other);
}
