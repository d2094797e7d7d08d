using System.Text.Json.Serialization;
using Hotline.SharedKernel;
using System.Net;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Hotline.Gateway.Routing;

/// <summary>The part of the national directory (<c>GET /api/v1/directory/nodes</c>) the gateway routes by.</summary>
internal sealed record DirectoryListingDto([property: JsonPropertyName("nodes")] IReadOnlyList<DirectoryNodeDto>? Nodes);

internal sealed record DirectoryNodeDto(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("publicUrl")] string? PublicUrl,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("grpcUrl")] string? GrpcUrl = null);

/// <summary>
/// The proxy configuration, rebuilt from the directory without a restart: <c>/{regionCode}/{**rest}</c> goes to that
/// node with the prefix removed and <c>X-Forwarded-Prefix: /{regionCode}</c> set (plus X-Forwarded-For/Proto/Host), and
/// everything else goes to the national portal. gRPC: a request with header <c>x-hotline-node: {regionCode}</c> goes to
/// that node's h2c address as HTTP/2 exactly — without TLS there is no ALPN, so the cluster must not negotiate down to
/// HTTP/1.1. The address is the one the node's heartbeat gave the directory (<c>grpcUrl</c>), so a node started later
/// gets its gRPC route like its HTTP route; <see cref="GatewayOptions.GrpcNodes"/> is the fallback for a node whose beat
/// carries none (an older node).
/// </summary>
internal sealed class DirectoryProxyConfigProvider : IProxyConfigProvider
{
    public const string PortalRouteId = "portal";

    /// <summary>The header naming the node a gRPC call is for.</summary>
    public const string NodeHeader = "x-hotline-node";

    private readonly Lock _lock = new();
    private readonly IReadOnlyDictionary<string, string> _grpcNodes;
    private Snapshot _current;

    public DirectoryProxyConfigProvider(Microsoft.Extensions.Options.IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        _grpcNodes = o.GrpcNodes
            .Where(g => RegionCode.IsValid(g.Key) && IsHttpUrl(g.Value))
            .ToDictionary(g => g.Key, g => g.Value.TrimEnd('/'), StringComparer.Ordinal);
        var none = new Dictionary<string, string>(StringComparer.Ordinal);
        _current = Build(o.NationalId, new Uri(o.DirectoryUrl), none, none);
    }

    /// <summary>The region codes currently routed, with their destinations.</summary>
    public IReadOnlyDictionary<string, string> Destinations => _current.Destinations;

    /// <summary>True once the directory has been read at least once.</summary>
    public bool Loaded { get; private set; }

    public IProxyConfig GetConfig() => _current;

    /// <summary>Replaces the routes when the set of nodes or their URLs changed. Returns whether anything changed.</summary>
    public bool Update(string nationalId, Uri nationalUrl, IEnumerable<DirectoryNodeDto> nodes)
    {
        var listed = nodes
            .Where(n => RegionCode.IsValid(n.Id) && IsHttpUrl(n.PublicUrl))
            .GroupBy(n => n.Id).Select(g => g.First())
            .ToList();
        var routable = listed.ToDictionary(n => n.Id, n => n.PublicUrl!.TrimEnd('/'), StringComparer.Ordinal);

        // gRPC for a listed node: the address its beat carried, else the configured one.
        var grpc = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in listed)
        {
            if (IsHttpUrl(n.GrpcUrl))
            {
                grpc[n.Id] = n.GrpcUrl!.TrimEnd('/');
            }
            else if (_grpcNodes.TryGetValue(n.Id, out var configured))
            {
                grpc[n.Id] = configured;
            }
        }

        lock (_lock)
        {
            Loaded = true;
            if (SameDestinations(_current.Destinations, routable) && SameDestinations(_current.Grpc, grpc))
            {
                return false;
            }

            var previous = _current;
            _current = Build(nationalId, nationalUrl, routable, grpc);
            previous.Expire();
            return true;
        }
    }

    private static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";

    private static bool SameDestinations(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static Snapshot Build(string nationalId, Uri nationalUrl, IReadOnlyDictionary<string, string> destinations,
        IReadOnlyDictionary<string, string> grpcNodes)
    {
        var routes = new List<RouteConfig>();
        var clusters = new List<ClusterConfig>();
        var nationalCluster = $"node-{nationalId}";
        if (!destinations.ContainsKey(nationalId))
        {
            clusters.Add(Cluster(nationalCluster, nationalUrl.ToString().TrimEnd('/')));
        }

        foreach (var (id, url) in destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            clusters.Add(Cluster($"node-{id}", url));
            var prefix = "/" + id;
            routes.Add(new RouteConfig
                {
                    RouteId = $"node-{id}",
                    ClusterId = $"node-{id}",
                    Order = 0,
                    Match = new RouteMatch { Path = prefix + "/{**rest}" },
                }
                .WithTransformPathRemovePrefix(prefix)
                .WithTransformXForwarded(xDefault: ForwardedTransformActions.Set, xPrefix: ForwardedTransformActions.Off)
                .WithTransformRequestHeader("X-Forwarded-Prefix", prefix, append: false));

            if (grpcNodes.TryGetValue(id, out var grpc))
            {
                clusters.Add(GrpcCluster($"grpc-{id}", grpc));
                routes.Add(new RouteConfig
                {
                    RouteId = $"grpc-{id}",
                    ClusterId = $"grpc-{id}",
                    Order = -1,
                    Match = new RouteMatch
                    {
                        Path = "/{**rest}",
                        Headers = [new RouteHeader { Name = NodeHeader, Values = [id], Mode = HeaderMatchMode.ExactHeader }],
                    },
                });
            }
        }

        routes.Add(new RouteConfig
            {
                RouteId = PortalRouteId,
                ClusterId = nationalCluster,
                Order = 1000,
                Match = new RouteMatch { Path = "/{**rest}" },
            }
            .WithTransformXForwarded(xDefault: ForwardedTransformActions.Set, xPrefix: ForwardedTransformActions.Off));
        return new Snapshot(routes, clusters, destinations, grpcNodes);
    }

    /// <summary>A node's h2c cluster: HTTP/2 exactly (the trap: the default policy would fall back to HTTP/1.1 on cleartext).</summary>
    private static ClusterConfig GrpcCluster(string id, string url) => Cluster(id, url) with
    {
        HttpRequest = new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact },
    };

    private static ClusterConfig Cluster(string id, string url) => new()
    {
        ClusterId = id,
        Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
        {
            ["primary"] = new() { Address = url },
        },
    };

    private sealed class Snapshot : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public Snapshot(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters,
            IReadOnlyDictionary<string, string> destinations, IReadOnlyDictionary<string, string> grpc)
        {
            Routes = routes;
            Clusters = clusters;
            Destinations = destinations;
            Grpc = grpc;
            ChangeToken = new CancellationChangeToken(_changed.Token);
        }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        public IReadOnlyDictionary<string, string> Destinations { get; }

        public IReadOnlyDictionary<string, string> Grpc { get; }

        public IChangeToken ChangeToken { get; }

        public void Expire() => _changed.Cancel();
    }
}
