using Hotline.Directory.Heartbeats;
using Hotline.Federation.Assignments;
using Hotline.Federation.Bus;
using Hotline.Federation.CityCases;
using Hotline.Federation.Detail;
using Hotline.Federation.Operations;
using Hotline.Federation.Persistence;
using Hotline.Federation.Relay;
using Hotline.Federation.Reporting;
using Hotline.Federation.Routing;
using Hotline.Identity;
using Hotline.ServiceDefaults;
using Hotline.Web;
using Hotline.SharedKernel;
using JasperFx.CodeGeneration;
using System.Data.Common;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;
using Wolverine.Http;
using Wolverine.Http.Transport;
using Wolverine.Postgresql;
using Wolverine.RabbitMQ;
using Wolverine.RabbitMQ.Internal;
using Wolverine.RDBMS;
using Wolverine.Sqlite;

namespace Hotline.Federation;

/// <summary>Registers the federation module: Wolverine bus, durable storage, peer endpoints, handlers, sagas and the city relay.</summary>
public static class FederationModule
{
    /// <summary>
    /// Adds the federation bus to a node: Wolverine in <c>Solo</c> durability with its message store on SQLite
    /// (<c>data/&lt;node&gt;/federation-bus.db</c>) or PostgreSQL (<c>Storage:Provider=Postgres</c>), every neighbour
    /// declared as a durable endpoint at start-up (HTTP transport with the neighbour's tokens, or RabbitMQ with
    /// <c>Federation:Transport=RabbitMq</c>), and the relay/saga handlers. Requires <c>Node</c>, <c>Storage</c> and
    /// <c>Federation</c> configuration; an <c>IPeerTokenProvider</c> for the HTTP transport.
    /// </summary>
    public static WebApplicationBuilder AddFederationModule(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;

        services.BindSectionOnce<NodeOptions>(configuration, NodeOptions.SectionName);
        services.AddNodeStorage(configuration);
        services.BindSectionOnce<PeerNodesOptions>(configuration, PeerNodesOptions.SectionName);
        services.AddOptions<FederationOptions>()
            .Bind(configuration.GetSection(FederationOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "Federation options are invalid (see Federation:* settings).")
            .ValidateOnStart();

        var node = configuration.GetSection(NodeOptions.SectionName).Get<NodeOptions>() ?? new NodeOptions();
        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var federation = configuration.GetSection(FederationOptions.SectionName).Get<FederationOptions>() ?? new FederationOptions();
        var peers = configuration.GetSection(PeerNodesOptions.SectionName).Get<PeerNodesOptions>()?.Peers ?? [];
        var problems = node.Validate().Concat(federation.Validate()).ToList();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(FederationOptions), typeof(FederationOptions), problems);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddModuleDbContext<FederationDbContext>("federation", o => o.AddInterceptors(SqliteTuning.Instance));
        services.AddSingleton<NextHopSender>();
        services.AddScoped<AssignmentWorkflow>();
        services.AddSingleton<IAssignmentWorkflow, ScopedAssignmentWorkflow>();
        services.AddSingleton<AssignmentNumbers>();
        services.AddHostedService<FederationSchemaInitializer>();
        services.AddSingleton<Weasel.Core.Migrator, Weasel.Sqlite.SqliteMigrator>();
        // 心跳 over the bus: the directory's beats go up through the parent's peer endpoint (either registration order).
        services.Replace(ServiceDescriptor.Singleton<IHeartbeatUplink, BusHeartbeatUplink>());
        services.TryAddSingleton<IDirectoryHeartbeats, NoDirectoryHeartbeats>();
        // 日汇总 up the tree: a city's and a province's pending days go to the parent; received days go to analytics.
        services.AddHostedService<DailyStatsUplink>();
        services.AddScoped<FederationOperations>();
        services.AddScoped<OfficerConsole.ConsoleQueries>();
        if (node.Tier != NodeTier.Municipal)
        {
            // The province and ministry consoles: a live panel on the staff home and their pages in the navigation.
            string[] officers = [HotlineRoles.Officer, HotlineRoles.Administrator];
            services.AddStaffPanel(new Web.StaffPanel("/console/summary", officers, RefreshSeconds: 5, Order: 10));
            services.AddNavLink(new Web.NavLink("/console", "督办台", "Console", Roles: officers, Order: 10));
            services.AddNavLink(new Web.NavLink("/console/assignments", "交办", "Assignments", Roles: officers, Order: 11));
            services.AddNavLink(new Web.NavLink("/console/cases", "上报工单", "Reported cases", Roles: officers, Order: 12));
            services.AddNavLink(new Web.NavLink("/console/relay", "转办在途", "Transfers", Roles: officers, Order: 13));
        }

        services.AddNavLink(new Web.NavLink("/ops/federation", "联网运维", "Federation ops", Roles: [HotlineRoles.Administrator], Order: 90));
        services.AddAntiforgery();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, FederationAuthorizationResultHandler>();
        builder.AddCaseDetail();
        // The city's cases (ICityCases, ICityCaseDetails, ICityFeedSignal) come from the host that composes a case
        // module (municipal/…/Composition); without them the relay idles and cases for this node are dead-lettered.
        if (federation.RunRelay ?? node.Tier == NodeTier.Municipal)
        {
            services.AddHostedService<CaseFeedRelay>();
        }

        // Policies are owned by the identity module; these defaults only apply when it has not defined them.
        services.PostConfigure<AuthorizationOptions>(o =>
        {
            if (o.GetPolicy(HotlinePolicies.Federation) is null)
            {
                o.AddPolicy(HotlinePolicies.Federation, p => p.RequireAuthenticatedUser().RequireRole(HotlineRoles.Node));
            }

            if (o.GetPolicy(HotlinePolicies.Admin) is null)
            {
                o.AddPolicy(HotlinePolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole(HotlineRoles.Administrator));
            }

            if (o.GetPolicy(HotlinePolicies.Staff) is null)
            {
                o.AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser());
            }
        });

        var neighbours = Neighbours(node);
        if (federation.Transport == FederationTransport.Http)
        {
            services.AddWolverineHttp();
            foreach (var peer in peers.Where(p => neighbours.Contains(p.Id) && Uri.TryCreate(p.Url, UriKind.Absolute, out _)))
            {
                var outbound = InboundUrl(peer.Url);
                var peerId = peer.Id;
                services.AddHttpClient(outbound, c => c.BaseAddress = new Uri(outbound))
                    .AddPeerToken(peerId);
            }
        }

        services.AddWolverine(ExtensionDiscovery.ManualOnly, opts =>
        {
            opts.ServiceName = "hotline-" + node.Id;
            opts.Durability.Mode = DurabilityMode.Solo;
            opts.Durability.ScheduledJobPollingTime = federation.ScheduledJobPollingTime;
            opts.Durability.ScheduledJobFirstExecution = federation.ScheduledJobPollingTime;
            opts.UnknownMessageBehavior = UnknownMessageBehavior.DeadLetterQueue;
            opts.UseRuntimeCompilation();
            opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;

            if (storage.Provider == StorageProvider.Postgres)
            {
                opts.PersistMessagesWithPostgresql(storage.Postgres!, "federation_bus_" + node.Id);
            }
            else
            {
                opts.PersistMessagesWithSqlite(BusConnectionString(storage, node.Id));
            }

            opts.AddSagaType<AssignmentSaga>("assignment_sagas");

            opts.Discovery.DisableConventionalDiscovery()
                .IncludeType<ReportingHandler>()
                .IncludeType<CityInboundHandler>()
                .IncludeType<FeedbackHandler>()
                .IncludeType<NodeHeartbeatHandler>()
                .IncludeType<DailyStatsRolledUpHandler>()
                .IncludeType<AssignmentSaga>();

            opts.Policies.UseDurableLocalQueues();
            opts.Policies.OnException<FederationRejectedException>().MoveToErrorQueue();
            opts.Policies.OnAnyException()
                .RetryWithCooldown(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2))
                .Then.ScheduleRetry(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2))
                .Then.MoveToErrorQueue();

            ConfigureTransport(opts, node, federation, peers, neighbours);
        });

        return builder;
    }

    /// <summary>
    /// Maps the inbound federation endpoint (<c>/_wolverine/batch/federation</c>, policy <see cref="HotlinePolicies.Federation"/>,
    /// each envelope stamped with the caller's node id),
    /// the assignment and reporting APIs at provinces and the ministry, and the operator API and page.
    /// </summary>
    public static WebApplication MapFederationEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var federation = app.Services.GetRequiredService<IOptions<FederationOptions>>().Value;
        if (federation.Transport == FederationTransport.Http)
        {
            // Every inbound envelope carries the authenticated neighbour's id (InboundPeer), whatever its sender wrote.
            app.MapWolverineHttpTransportEndpoints().RequireAuthorization(HotlinePolicies.Federation)
                .AddEndpointFilter<InboundPeerStamp>();
        }

        var node = app.Services.GetRequiredService<IOptions<NodeOptions>>().Value;
        if (node.Tier != NodeTier.Municipal)
        {
            app.MapAssignmentEndpoints();
            app.MapReportingEndpoints();
        }

        app.MapFederationOperations();
        app.MapCaseDetail();
        return app;
    }

    /// <summary>The Wolverine message store's SQLite file, private cache (shared-cache table locks hurt concurrency).</summary>
    internal static string BusConnectionString(StorageOptions storage, string nodeId) =>
        storage.SqliteConnectionString(nodeId, "federation-bus");

    internal static string InboundUrl(string baseUrl) =>
        baseUrl.TrimEnd('/') + "/_wolverine/batch/" + FederationEndpoints.InboundQueue;

    internal static HashSet<string> Neighbours(NodeOptions node)
    {
        var set = new HashSet<string>(node.Children, StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(node.Parent))
        {
            set.Add(node.Parent);
        }

        return set;
    }

    private static void ConfigureTransport(WolverineOptions opts, NodeOptions node, FederationOptions federation,
        List<PeerNode> peers, HashSet<string> neighbours)
    {
        if (federation.Transport == FederationTransport.RabbitMq)
        {
            opts.UseRabbitMq(new Uri(federation.RabbitMq!)).AutoProvision();
            opts.ListenToRabbitQueue(FederationEndpoints.RabbitQueue(federation.RabbitQueuePrefix, node.Id)).Sequential().UseDurableInbox().Named(FederationEndpoints.InboundQueue + "-rabbit");
            var rabbit = opts.Transports.GetOrCreate<RabbitMqTransport>();
            foreach (var id in neighbours)
            {
                var queue = rabbit.EndpointForQueue(FederationEndpoints.RabbitQueue(federation.RabbitQueuePrefix, id));
                queue.EndpointName = FederationEndpoints.PeerEndpointName(id);
                queue.Mode = EndpointMode.Durable;
                queue.MessageBatchTimeout = federation.SenderBatchTimeout;
            }

            return;
        }

        opts.LocalQueue(FederationEndpoints.InboundQueue).Sequential().UseDurableInbox();
        var http = opts.UseHttpTransport();
        foreach (var peer in peers.Where(p => neighbours.Contains(p.Id) && Uri.TryCreate(p.Url, UriKind.Absolute, out _)))
        {
            var endpoint = http.EndpointFor(InboundUrl(peer.Url));
            endpoint.EndpointName = FederationEndpoints.PeerEndpointName(peer.Id);
            endpoint.Mode = EndpointMode.Durable;
            // Wolverine's batched sender otherwise holds every envelope up to 250 ms to fill a batch: that window was
            // most of each hop's latency (envelopes are already batches of reports, see ADR-014).
            endpoint.MessageBatchTimeout = federation.SenderBatchTimeout;
        }
    }
}

/// <summary>Creates the module's tables on start (SQLite file in WAL mode, or PostgreSQL schema) and puts the bus store in WAL mode.</summary>
internal sealed class FederationSchemaInitializer(IServiceScopeFactory scopes, IOptions<StorageOptions> storage, IOptions<NodeOptions> node) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FederationDbContext>();
        await db.EnsureModuleSchemaAsync(cancellationToken);
        if (storage.Value.Provider == StorageProvider.Sqlite)
        {
            await using var connection = new SqliteConnection(FederationModule.BusConnectionString(storage.Value, node.Value.Id));
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// SQLite tuning for the module's file: WAL with synchronous=NORMAL (durable across a process crash, which is what
/// kill -9 tests; the last commits may be lost on power loss) and a busy timeout.
/// </summary>
internal sealed class SqliteTuning : DbConnectionInterceptor
{
    public static readonly SqliteTuning Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Tune(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Tune(connection);
        return Task.CompletedTask;
    }

    private static void Tune(DbConnection connection)
    {
        if (connection is not SqliteConnection)
        {
            return;
        }

        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
        cmd.ExecuteNonQuery();
    }
}
