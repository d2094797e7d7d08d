using Hotline.SharedKernel;

namespace Hotline.Launcher.Topology;

/// <summary>
/// Checks a topology before anything starts. Each message names the offending field as <c>nodes[i].field</c>.
/// </summary>
internal static class TopologyValidator
{
    public static NodeTier? ParseTier(string? tier) => tier?.Trim().ToLowerInvariant() switch
    {
        "national" => NodeTier.National,
        "provincial" or "province" => NodeTier.Provincial,
        "municipal" or "city" => NodeTier.Municipal,
        _ => null,
    };

    public static List<string> Validate(FederationTopology topology)
    {
        var errors = new List<string>();
        if (topology.Gateway is not null && topology.HasGateway
            && !string.Equals(topology.Gateway, "auto", StringComparison.OrdinalIgnoreCase)
            && !IsLoopbackHttpUrl(topology.Gateway))
        {
            errors.Add($"gateway: '{topology.Gateway}' must be \"auto\", \"none\" or an http://127.0.0.1:PORT URL.");
        }

        var nodes = topology.AllNodes;
        if (nodes.Count == 0)
        {
            errors.Add("nodes: the topology has no nodes.");
            return errors;
        }

        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var at = $"nodes[{i}]";
            if (node is null)
            {
                errors.Add($"{at}: is null.");
                continue;
            }

            if (!RegionCode.IsValid(node.Id))
            {
                errors.Add($"{at}.id: '{node.Id}' is not a 6-digit GB/T 2260 region code.");
            }
            else if (firstIndex.TryGetValue(node.Id!, out var first))
            {
                errors.Add($"{at}.id: duplicate id '{node.Id}' (already nodes[{first}]).");
            }
            else
            {
                firstIndex[node.Id!] = i;
            }

            if (string.IsNullOrWhiteSpace(node.Name))
            {
                errors.Add($"{at}.name: is required.");
            }

            var tier = ParseTier(node.Tier);
            if (tier is null)
            {
                errors.Add($"{at}.tier: '{node.Tier}' is not one of national, provincial, municipal.");
            }

            if (node.Http is not null && !IsLoopbackHttpUrl(node.Http))
            {
                errors.Add($"{at}.http: '{node.Http}' must be an http://127.0.0.1:PORT URL.");
            }

            if (node.Start is not null && node.Start is not ("auto" or "manual"))
            {
                errors.Add($"{at}.start: '{node.Start}' is not one of auto, manual.");
            }

            if (tier == NodeTier.National)
            {
                if (!string.IsNullOrEmpty(node.Parent))
                {
                    errors.Add($"{at}.parent: the national node has no parent (found '{node.Parent}').");
                }

                if (node.StartsManually)
                {
                    errors.Add($"{at}.start: the national node cannot start manually.");
                }
            }
            else if (tier is not null)
            {
                ValidateParent(topology, node, tier.Value, at, errors);
            }
        }

        var nationals = nodes.Where(n => n is not null && ParseTier(n.Tier) == NodeTier.National).ToList();
        if (nationals.Count != 1)
        {
            errors.Add($"nodes: exactly one node must have tier national (found {nationals.Count}).");
        }

        ValidateNoCycle(nodes, errors);
        ValidatePorts(topology, errors);
        return errors;
    }

    private static void ValidateParent(FederationTopology topology, TopologyNode node, NodeTier tier, string at,
        List<string> errors)
    {
        if (string.IsNullOrEmpty(node.Parent))
        {
            errors.Add($"{at}.parent: is required for a {tier.ToString().ToLowerInvariant()} node.");
            return;
        }

        var parent = topology.Find(node.Parent);
        if (parent is null)
        {
            errors.Add($"{at}.parent: '{node.Parent}' is not a node of the topology.");
            return;
        }

        var parentTier = ParseTier(parent.Tier);
        if (tier == NodeTier.Provincial)
        {
            if (parentTier != NodeTier.National)
            {
                errors.Add($"{at}.parent: a provincial node's parent must be the national node ('{node.Parent}' is {parent.Tier}).");
            }

            if (RegionCode.IsValid(node.Id) && !RegionCode.IsProvince(node.Id!))
            {
                errors.Add($"{at}.id: '{node.Id}' is not a province code (xx0000).");
            }
        }
        else if (tier == NodeTier.Municipal)
        {
            if (parentTier != NodeTier.Provincial)
            {
                errors.Add($"{at}.parent: a municipal node's parent must be a provincial node ('{node.Parent}' is {parent.Tier}).");
            }
            else if (RegionCode.IsValid(node.Id) && RegionCode.ProvinceOf(node.Id!) != node.Parent)
            {
                errors.Add($"{at}.parent: city {node.Id} lies in province {RegionCode.ProvinceOf(node.Id!)}, not '{node.Parent}'.");
            }

            if (node.Id is not null && RegionCode.IsProvince(node.Id))
            {
                errors.Add($"{at}.id: '{node.Id}' is a province code, not a city code.");
            }

            if (parent.StartsManually && !node.StartsManually)
            {
                errors.Add($"{at}.start: its parent '{node.Parent}' starts manually, so it must too.");
            }
        }
    }

    private static void ValidateNoCycle(IReadOnlyList<TopologyNode> nodes, List<string> errors)
    {
        var byId = nodes.Where(n => n?.Id is not null).GroupBy(n => n.Id!).ToDictionary(g => g.Key, g => g.First());
        for (var i = 0; i < nodes.Count; i++)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var current = nodes[i];
            while (current?.Parent is { Length: > 0 } parent)
            {
                if (!seen.Add(current.Id ?? string.Empty))
                {
                    errors.Add($"nodes[{i}].parent: the parent chain of '{nodes[i].Id}' is a cycle ({string.Join(" → ", seen)}).");
                    break;
                }

                current = byId.GetValueOrDefault(parent);
            }
        }
    }

    private static void ValidatePorts(FederationTopology topology, List<string> errors)
    {
        var urls = topology.AllNodes.Select((n, i) => (At: $"nodes[{i}].http", Url: n?.Http))
            .Append((At: "gateway", Url: topology.FixedGatewayUrl?.ToString()))
            .Where(x => x.Url is not null && IsLoopbackHttpUrl(x.Url))
            .GroupBy(x => new Uri(x.Url!).Port);
        foreach (var clash in urls.Where(g => g.Count() > 1))
        {
            errors.Add($"{clash.Skip(1).First().At}: port {clash.Key} is already used by {clash.First().At}.");
        }
    }

    private static bool IsLoopbackHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback
        && !uri.IsDefaultPort && uri.AbsolutePath == "/";
}
