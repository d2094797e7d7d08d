using Hotline.Launcher.Topology;
using Hotline.SharedKernel;

namespace Hotline.Launcher.Planning;

/// <summary>One process to start: which host, on which URL, with which environment.</summary>
internal sealed record ProcessPlan(
    string Id,
    string Name,
    string TierName,
    string Project,
    Uri Http,
    string? SipEndpoint,
    bool StartsManually,
    int Wave,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>A demo login or client shown in <c>federation.json</c>.</summary>
internal sealed record DemoUser(string Node, string User, string Role, string? Extension = null);

internal sealed record DemoClient(string Node, string ClientId, string ClientSecret);

internal sealed record DemoExtension(string Node, string Extension, string Password);

/// <summary>
/// Turns a validated topology and the data folder's remembered state into the processes to start and their
/// configuration (the environment-variable contract of the node hosts: <c>Node__*</c>, <c>Storage__*</c>,
/// <c>Identity__*</c>, <c>Federation__Peers__*</c>, <c>Sip__*</c>).
/// </summary>
internal sealed class FederationPlan
{
    public const string SipHotline = "12328";
    public const int ExtensionsPerCity = 5;

    private static readonly (string User, string Role)[] CityUsers =
    [
        ("agent1", HotlineRoles.Agent), ("agent2", HotlineRoles.Agent), ("lead1", HotlineRoles.TeamLead),
        ("inspector1", HotlineRoles.QualityInspector), ("handler1", HotlineRoles.Handler),
        ("reviewer1", HotlineRoles.Reviewer), ("enterprise1", HotlineRoles.Enterprise), ("admin1", HotlineRoles.Administrator),
    ];

    /// <summary>The demo staff who answer calls, each on their own extension (the CTI's "agent themself").</summary>
    internal static readonly (string User, string Extension)[] AgentExtensions =
    [
        ("agent1", "8001"), ("agent2", "8002"), ("lead1", "8003"),
    ];

    private static readonly (string User, string Role)[] OversightUsers =
    [
        ("officer1", HotlineRoles.Officer), ("analyst1", HotlineRoles.Analyst), ("editor1", HotlineRoles.PortalEditor),
        ("admin1", HotlineRoles.Administrator),
    ];

    public required IReadOnlyList<ProcessPlan> Nodes { get; init; }

    public ProcessPlan? Gateway { get; init; }

    public required string DemoPassword { get; init; }

    public required IReadOnlyList<DemoUser> Users { get; init; }

    public required IReadOnlyList<DemoClient> Clients { get; init; }

    public required IReadOnlyList<DemoExtension> Extensions { get; init; }

    public static FederationPlan Create(FederationTopology topology, LauncherState state, LaunchOptions options)
    {
        var ports = new PortAllocator(state, preferFixed: !options.RandomPorts, reuseWithoutCheck: options.Only.Count > 0);
        var nodes = topology.AllNodes;
        var http = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var sip = new Dictionary<string, string>(StringComparer.Ordinal);
        var grpc = new Dictionary<string, Uri>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var fixedPort = node.Http is null ? (int?)null : new Uri(node.Http).Port;
            var port = ports.Tcp($"{node.Id}/http", fixedPort, 5100 + i);
            http[node.Id!] = new Uri($"http://127.0.0.1:{port}");

            // gRPC (上级调阅) on its own HTTP/2-only cleartext port: Kestrel cannot do h2c beside HTTP/1.1 without TLS.
            grpc[node.Id!] = new Uri($"http://127.0.0.1:{ports.Tcp($"{node.Id}/grpc", null, 5200 + i)}");
            if (node.RunsSip)
            {
                sip[node.Id!] = $"127.0.0.1:{ports.TcpAndUdp($"{node.Id}/sip", 5060 + (2 * i))}";
            }
        }

        Uri? gatewayUrl = null;
        Uri? gatewayGrpc = null;
        if (topology.HasGateway)
        {
            gatewayUrl = new Uri($"http://127.0.0.1:{ports.Tcp("gateway/http", topology.FixedGatewayUrl?.Port, 5000)}");
            gatewayGrpc = new Uri($"http://127.0.0.1:{ports.Tcp("gateway/grpc", null, 5001)}");
        }

        var password = state.GetDemoPassword();
        var users = new List<DemoUser>();
        var clients = new List<DemoClient>();
        var extensions = new List<DemoExtension>();
        var plans = new List<ProcessPlan>();
        foreach (var node in nodes)
        {
            var env = NodeEnvironment(topology, node, state, options, http, sip, password);
            AddGrpcEnvironment(env, grpc, node.Id!);
            var demoSecret = state.GetSecret($"{node.Id}/demo-{node.Id}");
            clients.Add(new DemoClient(node.Id!, $"demo-{node.Id}", demoSecret));
            var people = node.NodeTier == NodeTier.Municipal ? CityUsers : OversightUsers;
            users.AddRange(people.Select(p => new DemoUser(node.Id!, p.User, p.Role,
                node.RunsSip ? AgentExtensions.FirstOrDefault(a => a.User == p.User).Extension : null)));
            if (node.RunsSip)
            {
                for (var e = 1; e <= ExtensionsPerCity; e++)
                {
                    var extension = (8000 + e).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var extPassword = state.GetSecret($"{node.Id}/sip/{extension}");
                    extensions.Add(new DemoExtension(node.Id!, extension, extPassword));
                    env[$"Sip__Extensions__{e - 1}__Extension"] = extension;
                    env[$"Sip__Extensions__{e - 1}__Password"] = extPassword;
                }

                // First start files a year of history through the city's real intake (demo mode only).
                env["DemoData__Enabled"] = "true";

                for (var a = 0; a < AgentExtensions.Length; a++)
                {
                    env[$"AgentExtensions__Agents__{a}__User"] = AgentExtensions[a].User;
                    env[$"AgentExtensions__Agents__{a}__Extension"] = AgentExtensions[a].Extension;
                }
            }

            plans.Add(new ProcessPlan(node.Id!, node.Name!, node.TierName, HostProject(node.NodeTier), http[node.Id!],
                sip.GetValueOrDefault(node.Id!), node.StartsManually, node.NodeTier == NodeTier.National ? 0 : 1, env));
        }

        ProcessPlan? gateway = null;
        if (gatewayUrl is not null)
        {
            var national = topology.National;
            var env = CommonEnvironment(options, gatewayUrl);
            env["Gateway__DirectoryUrl"] = http[national.Id!].ToString().TrimEnd('/');
            env["Gateway__NationalId"] = national.Id!;
            // gRPC routes come from the directory: each node's heartbeat carries its Node__GrpcUrl (ADR-017).
            env["Gateway__GrpcUrl"] = gatewayGrpc!.ToString().TrimEnd('/');
            gateway = new ProcessPlan("gateway", "国家网关", "gateway", "gateways/Hotline.Gateway", gatewayUrl, null,
                StartsManually: false, Wave: 1, env);
        }

        return new FederationPlan
        {
            Nodes = plans,
            Gateway = gateway,
            DemoPassword = password,
            Users = users,
            Clients = clients,
            Extensions = extensions,
        };
    }

    /// <summary>
    /// The node's h2c gRPC listener (<c>Node__GrpcUrl</c>) and each neighbour's (<c>Federation__Peers__{p}__Grpc</c>, next to
    /// the peer entries <see cref="NodeEnvironment"/> wrote).
    /// </summary>
    private static void AddGrpcEnvironment(Dictionary<string, string> env, Dictionary<string, Uri> grpc, string id)
    {
        env["Node__GrpcUrl"] = grpc[id].ToString().TrimEnd('/');
        for (var p = 0; env.TryGetValue($"Federation__Peers__{p}__Id", out var peer); p++)
        {
            if (grpc.TryGetValue(peer, out var address))
            {
                env[$"Federation__Peers__{p}__Grpc"] = address.ToString().TrimEnd('/');
            }
        }
    }

    /// <summary>Each city's own digest realm, so a registration at one city is no credential at another.</summary>
    public static string SipRealm(string nodeId) => $"{nodeId}.12328.local";

    public static string HostProject(NodeTier tier) => tier switch
    {
        NodeTier.National => "national/Hotline.National",
        NodeTier.Provincial => "provincial/Hotline.Provincial",
        _ => "municipal/Hotline.Municipal",
    };

    private static Dictionary<string, string> CommonEnvironment(LaunchOptions options, Uri url) => new(StringComparer.Ordinal)
    {
        ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/'),
        ["ASPNETCORE_ENVIRONMENT"] = options.Environment,
        ["DOTNET_ENVIRONMENT"] = options.Environment,
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",

        // Heartbeats and token fetches every few seconds would drown the logs at Information.
        ["Logging__LogLevel__System.Net.Http.HttpClient"] = "Warning",
        ["Logging__LogLevel__Polly"] = "Warning",
    };

    private static Dictionary<string, string> NodeEnvironment(FederationTopology topology, TopologyNode node,
        LauncherState state, LaunchOptions options, Dictionary<string, Uri> http, Dictionary<string, string> sip,
        string password)
    {
        var id = node.Id!;
        var env = CommonEnvironment(options, http[id]);
        env["Node__Id"] = id;
        env["Node__Tier"] = node.NodeTier.ToString();
        env["Node__Name"] = node.Name!;
        if (!string.IsNullOrEmpty(node.Parent))
        {
            env["Node__Parent"] = node.Parent;
        }

        var children = topology.ChildrenOf(id).ToList();
        for (var c = 0; c < children.Count; c++)
        {
            env[$"Node__Children__{c}"] = children[c].Id!;
        }

        env["Node__PublicUrl"] = http[id].ToString().TrimEnd('/');

        env["Storage__DataDirectory"] = options.DataDirectory;
        if (options.Postgres is not null)
        {
            env["Storage__Provider"] = "Postgres";
            env["Storage__Postgres"] = WithDatabase(options.Postgres, $"hotline_{id}");
        }
        else
        {
            env["Storage__Provider"] = "Sqlite";
        }

        if (options.RabbitMq is not null)
        {
            env["Federation__Transport"] = "RabbitMq";
            env["Federation__RabbitMq"] = options.RabbitMq;
        }

        env["Identity__Demo__Enabled"] = "true";
        env["Identity__Demo__Password"] = password;

        // The clients this node's IdP accepts: its demo client and each neighbour. The gateway reads the public
        // directory and forwards callers' own tokens, so it needs no client of its own.
        var clients = new List<(string ClientId, string DisplayName, string[] Roles)>
        {
            ($"demo-{id}", $"演示客户端 {node.Name}", node.NodeTier == NodeTier.Municipal
                ? [HotlineRoles.Administrator]
                : [HotlineRoles.Administrator, HotlineRoles.Officer]),
        };
        var neighbours = new List<TopologyNode>();
        if (topology.Find(node.Parent) is { } parent)
        {
            neighbours.Add(parent);
        }

        neighbours.AddRange(children);
        clients.AddRange(neighbours.Select(n => ($"node-{n.Id}", $"节点 {n.Name}", new[] { HotlineRoles.Node })));

        for (var i = 0; i < clients.Count; i++)
        {
            var (clientId, displayName, roles) = clients[i];
            env[$"Identity__Clients__{i}__ClientId"] = clientId;
            env[$"Identity__Clients__{i}__ClientSecret"] = state.GetSecret($"{id}/{clientId}");
            env[$"Identity__Clients__{i}__DisplayName"] = displayName;
            for (var r = 0; r < roles.Length; r++)
            {
                env[$"Identity__Clients__{i}__Roles__{r}"] = roles[r];
            }
        }

        // This node's credentials at each neighbour's IdP.
        for (var p = 0; p < neighbours.Count; p++)
        {
            var peer = neighbours[p];
            env[$"Federation__Peers__{p}__Id"] = peer.Id!;
            env[$"Federation__Peers__{p}__Url"] = http[peer.Id!].ToString().TrimEnd('/');
            env[$"Federation__Peers__{p}__ClientId"] = $"node-{id}";
            env[$"Federation__Peers__{p}__ClientSecret"] = state.GetSecret($"{peer.Id}/node-{id}");
        }

        if (sip.TryGetValue(id, out var sipEndpoint))
        {
            env["Sip__Udp"] = sipEndpoint;
            env["Sip__Tcp"] = sipEndpoint;
            env["Sip__Hotline"] = SipHotline;
            env["Sip__Realm"] = SipRealm(id);

            // The call center's GC budget (docs/benchmarks.md, Telephony session 3): a 64 MB gen0 budget per heap keeps
            // call-setup pauses rare; the runtime reads it only from the environment.
            env["DOTNET_GCgen0size"] = "0x4000000";
        }

        return env;
    }

    /// <summary>Replaces (or adds) the <c>Database</c> key of a PostgreSQL connection string: one database per node.</summary>
    internal static string WithDatabase(string connectionString, string database)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => !p.StartsWith("Database=", StringComparison.OrdinalIgnoreCase)
                        && !p.StartsWith("Db=", StringComparison.OrdinalIgnoreCase))
            .Append($"Database={database}");
        return string.Join(';', parts);
    }
}
