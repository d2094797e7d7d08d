using System.Text.Json;
using System.Text.Json.Serialization;
using Hotline.SharedKernel;

namespace Hotline.Launcher.Topology;

/// <summary>
/// The federation to start: the node tree and whether a gateway runs. Read from <c>--topology FILE</c> or the embedded
/// default (one ministry, 广东省 with 广州市 and 深圳市, 江苏省 with 南京市, the national gateway).
/// </summary>
internal sealed class FederationTopology
{
    /// <summary><c>auto</c> (a free port), <c>none</c>, or a fixed <c>http://127.0.0.1:PORT</c>.</summary>
    [JsonPropertyName("gateway")]
    public string? Gateway { get; set; } = "auto";

    [JsonPropertyName("nodes")]
    public List<TopologyNode>? Nodes { get; set; }

    /// <summary>Whether a gateway process is part of this federation.</summary>
    [JsonIgnore]
    public bool HasGateway => !string.Equals(Gateway, "none", StringComparison.OrdinalIgnoreCase);

    /// <summary>The fixed gateway URL, when the topology names one.</summary>
    [JsonIgnore]
    public Uri? FixedGatewayUrl =>
        Gateway is not null && Uri.TryCreate(Gateway, UriKind.Absolute, out var uri) ? uri : null;

    [JsonIgnore]
    public IReadOnlyList<TopologyNode> AllNodes => Nodes ?? [];

    public TopologyNode National => AllNodes.Single(n => n.NodeTier == NodeTier.National);

    public IEnumerable<TopologyNode> ChildrenOf(string id) => AllNodes.Where(n => n.Parent == id);

    public TopologyNode? Find(string? id) => AllNodes.FirstOrDefault(n => n.Id == id);

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        PropertyNameCaseInsensitive = true,
    };

    /// <summary>Reads a topology file; a syntax error is reported as a validation error with its line.</summary>
    public static (FederationTopology? Topology, IReadOnlyList<string> Errors) Load(string? path)
    {
        try
        {
            using var stream = path is null
                ? typeof(FederationTopology).Assembly.GetManifestResourceStream("Hotline.Launcher.default-topology.json")
                  ?? throw new InvalidOperationException("The embedded default topology is missing.")
                : File.OpenRead(path);
            var topology = JsonSerializer.Deserialize<FederationTopology>(stream, ReadOptions);
            if (topology is null)
            {
                return (null, ["topology: the file is empty (expected an object with \"nodes\")."]);
            }

            var errors = TopologyValidator.Validate(topology);
            return (errors.Count == 0 ? topology : null, errors);
        }
        catch (JsonException ex)
        {
            return (null, [$"topology: {ex.Path ?? "$"}: not valid JSON for a topology (line {ex.LineNumber + 1}): {ex.Message}"]);
        }
        catch (IOException ex)
        {
            return (null, [$"topology: cannot read '{path}': {ex.Message}"]);
        }
        catch (UnauthorizedAccessException ex)
        {
            return (null, [$"topology: cannot read '{path}': {ex.Message}"]);
        }
    }
}

/// <summary>One node of the topology file.</summary>
internal sealed class TopologyNode
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary><c>national</c>, <c>provincial</c> or <c>municipal</c>.</summary>
    [JsonPropertyName("tier")]
    public string? Tier { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("parent")]
    public string? Parent { get; set; }

    /// <summary>Optional fixed base URL (<c>http://127.0.0.1:PORT</c>); a free port otherwise.</summary>
    [JsonPropertyName("http")]
    public string? Http { get; set; }

    /// <summary>Whether the node runs the SIP call center; default: municipal nodes only.</summary>
    [JsonPropertyName("sip")]
    public bool? Sip { get; set; }

    /// <summary>
    /// <c>auto</c> (default) or <c>manual</c>: a manual node is configured (ports, secrets, its parent knows it) but only
    /// started by a later <c>--only ID</c> run — a node that joins a running federation.
    /// </summary>
    [JsonPropertyName("start")]
    public string? Start { get; set; }

    [JsonIgnore]
    public NodeTier NodeTier => TopologyValidator.ParseTier(Tier) ?? NodeTier.Municipal;

    [JsonIgnore]
    public bool RunsSip => Sip ?? NodeTier == NodeTier.Municipal;

    [JsonIgnore]
    public bool StartsManually => string.Equals(Start, "manual", StringComparison.OrdinalIgnoreCase);

    [JsonIgnore]
    public string TierName => NodeTier.ToString().ToLowerInvariant();
}
