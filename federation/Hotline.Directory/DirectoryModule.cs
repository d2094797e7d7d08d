using System.Security.Claims;
using Hotline.Directory.Contracts;
using Hotline.Directory.Heartbeats;
using Hotline.Directory.Nodes;
using Hotline.Directory.Persistence;
using Hotline.Identity;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hotline.Directory;

/// <summary>
/// 节点目录 — the live node directory. Every node sends heartbeats to its parent; a province keeps its subtree and
/// relays upward; the national node keeps the whole federation. Public face: <see cref="AddDirectoryModule"/>,
/// <see cref="MapDirectoryEndpoints"/> and the records in <see cref="Contracts"/>.
/// </summary>
public static class DirectoryModule
{
    /// <summary>
    /// Registers the directory store, the heartbeat handler and sender (over the federation bus when
    /// <c>AddFederationModule</c> is composed too, HTTP otherwise), and the /directory page.
    /// </summary>
    public static TBuilder AddDirectoryModule<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DirectoryOptions>()
            .Bind(builder.Configuration.GetSection(DirectoryOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddModuleDbContext<DirectoryDbContext>(DirectoryDbContext.Module);
        services.AddStartupTask<DirectorySchemaTask>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HeartbeatRelay>();
        services.AddScoped<RecordHeartbeatHandler>();
        services.AddScoped<GetDirectoryNodesHandler>();
        services.AddScoped<IDirectoryNodes>(sp => sp.GetRequiredService<GetDirectoryNodesHandler>());
        services.AddSingleton<IDirectoryHeartbeats, DirectoryHeartbeats>();
        // HTTP to the parent unless the federation module puts the bus in its place (either order of registration).
        services.TryAddSingleton<IHeartbeatUplink, HttpHeartbeatUplink>();
        var tier = builder.Configuration[$"{NodeOptions.SectionName}:{nameof(NodeOptions.Tier)}"];
        if (!string.Equals(tier, nameof(NodeTier.Municipal), StringComparison.OrdinalIgnoreCase))
        {
            // A city knows only itself; the page is worth a link where there is a subtree to show.
            services.AddNavLink(new NavLink("/directory", "节点目录", "Node directory", NavArea.Public, Order: 900));
        }

        if (!services.Any(d => d.ServiceType == typeof(IPeerTokenProvider)))
        {
            services.AddPeerTokens(builder.Configuration);
        }

        var parent = builder.Configuration[$"{NodeOptions.SectionName}:{nameof(NodeOptions.Parent)}"];
        var parentClient = services.AddHttpClient(HeartbeatSender.ParentClientName, (sp, client) =>
        {
            var peer = sp.GetRequiredService<IOptions<PeerNodesOptions>>().Value.Peers.FirstOrDefault(p => p.Id == parent);
            if (peer is not null)
            {
                client.BaseAddress = new Uri(peer.Url.TrimEnd('/') + "/");
            }

            client.Timeout = TimeSpan.FromSeconds(10);
        });
        if (!string.IsNullOrEmpty(parent))
        {
            parentClient.AddPeerToken(parent);
        }

        if (builder.Configuration.GetValue($"{DirectoryOptions.SectionName}:{nameof(DirectoryOptions.SendHeartbeats)}", true))
        {
            services.AddHostedService<HeartbeatSender>();
        }

        return builder;
    }

    /// <summary>
    /// Maps <c>POST /api/v1/directory/heartbeats</c> (policy Federation; the HTTP adapter over the same entry as the
    /// bus handler, used by hosts without the bus), <c>GET /api/v1/directory/nodes</c> and
    /// <c>GET /api/v1/node</c> (anonymous: the public navigation data the portal and the gateway read). The
    /// <c>/directory</c> Razor page is mapped with the node's other pages (<c>MapWebPages</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapDirectoryEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Directory");
        api.MapPost("/directory/heartbeats", ReceiveHeartbeatAsync)
            .RequireAuthorization(HotlinePolicies.Federation)
            .WithName("ReceiveHeartbeat")
            .WithSummary("A child node's heartbeat (its own or relayed from its children).");
        api.MapGet("/directory/nodes", (GetDirectoryNodesHandler handler, CancellationToken ct) => handler.HandleAsync(ct))
            .AllowAnonymous()
            .WithName("GetDirectoryNodes")
            .WithSummary("The nodes this node knows, with last heartbeat and online/stale status.");
        api.MapGet("/node", (IOptions<NodeOptions> node) => TypedResults.Ok(new NodeInfo(node.Value.Id, node.Value.Name,
                node.Value.Tier.ToString().ToLowerInvariant(), string.IsNullOrEmpty(node.Value.Parent) ? null : node.Value.Parent)))
            .AllowAnonymous()
            .WithName("GetNode")
            .WithSummary("Who this node is: id, name, tier, parent.");
        return app;
    }

    private static async Task<IResult> ReceiveHeartbeatAsync(NodeHeartbeat beat, ClaimsPrincipal user,
        RecordHeartbeatHandler handler, CancellationToken cancellationToken)
    {
        var result = await handler.HandleAsync(beat, SenderNode(user), cancellationToken);
        return result.ToHttpResult(_ => TypedResults.Accepted((string?)null));
    }

    /// <summary>The node a federation token belongs to: client <c>node-440000</c> → <c>440000</c>.</summary>
    internal static string? SenderNode(ClaimsPrincipal user)
    {
        var client = user.FindFirst("sub")?.Value ?? user.FindFirst("client_id")?.Value
                     ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        return client is not null && client.StartsWith("node-", StringComparison.Ordinal) && RegionCode.IsValid(client[5..])
            ? client[5..]
            : null;
    }
}
