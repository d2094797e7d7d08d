using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hotline.Launcher.Planning;

/// <summary>
/// Writes <c>&lt;data&gt;/federation.json</c> in the shape docs/architecture.md fixes (gateway, nodes with id/tier/name/parent/
/// http/sip, the demo block), owner-readable only.
/// </summary>
internal static class FederationFile
{
    public const string FileName = "federation.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(string dataDirectory, FederationPlan plan, IEnumerable<ProcessPlan> started)
    {
        var startedIds = started.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var nodes = new JsonArray();
        foreach (var node in plan.Nodes.Where(n => startedIds.Contains(n.Id)))
        {
            var entry = new JsonObject
            {
                ["id"] = node.Id,
                ["tier"] = node.TierName,
                ["name"] = node.Name,
                ["parent"] = node.Environment.GetValueOrDefault("Node__Parent"),
                ["http"] = Url(node.Http),
            };
            if (node.Environment.GetValueOrDefault("Node__GrpcUrl") is { } grpc)
            {
                // Additive: the node's h2c gRPC address (上级调阅 between tiers).
                entry["grpc"] = grpc;
            }
            if (node.SipEndpoint is not null)
            {
                entry["sip"] = new JsonObject
                {
                    ["udp"] = node.SipEndpoint,
                    ["tcp"] = node.SipEndpoint,
                    ["hotline"] = FederationPlan.SipHotline,
                };
            }

            nodes.Add(entry);
        }

        var document = new JsonObject
        {
            ["gateway"] = plan.Gateway is null ? null : Url(plan.Gateway.Http),
            ["gatewayGrpc"] = plan.Gateway?.Environment.GetValueOrDefault("Gateway__GrpcUrl"),
            ["nodes"] = nodes,
            ["demo"] = new JsonObject
            {
                ["password"] = plan.DemoPassword,
                ["users"] = Array(plan.Users.Where(u => startedIds.Contains(u.Node)),
                    u => u.Extension is null
                        ? new JsonObject { ["node"] = u.Node, ["user"] = u.User, ["role"] = u.Role }
                        : new JsonObject { ["node"] = u.Node, ["user"] = u.User, ["role"] = u.Role, ["extension"] = u.Extension }),
                ["clients"] = Array(plan.Clients.Where(c => startedIds.Contains(c.Node)),
                    c => new JsonObject { ["node"] = c.Node, ["clientId"] = c.ClientId, ["clientSecret"] = c.ClientSecret }),
                ["extensions"] = Array(plan.Extensions.Where(e => startedIds.Contains(e.Node)),
                    e => new JsonObject { ["node"] = e.Node, ["extension"] = e.Extension, ["password"] = e.Password }),
            },
        };

        var path = Path.Combine(dataDirectory, FileName);
        PrivateFile.WriteAllText(path, document.ToJsonString(JsonOptions));
        return path;
    }

    public static string Url(Uri uri) => uri.ToString().TrimEnd('/');

    private static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonObject> map) => new([.. items.Select(map)]);
}
