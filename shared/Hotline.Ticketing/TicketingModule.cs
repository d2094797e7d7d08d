using System.Threading.RateLimiting;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Ticketing.Api;
using Hotline.Ticketing.Cases.Accept;
using Hotline.Ticketing.Cases.Act;
using Hotline.Ticketing.Cases.Attach;
using Hotline.Ticketing.Cases.Feed;
using Hotline.Ticketing.Cases.Get;
using Hotline.Ticketing.Cases.Supervise;
using Hotline.Ticketing.Cases.Transfer;
using Hotline.Ticketing.Deadlines;
using Hotline.Ticketing.Duplicates;
using Hotline.Ticketing.Persistence;
using Hotline.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hotline.Ticketing;

/// <summary>Registers the ticketing module (工单) with a host and maps its endpoints and pages.</summary>
public static class TicketingModule
{
    /// <summary>
    /// Adds the case life cycle: storage (<c>data/&lt;node&gt;/ticketing.db</c> or PostgreSQL schema <c>ticketing</c>), the
    /// intake (<see cref="ICaseIntake"/>), the feed (<see cref="ICaseFeed"/>, scoped), the deadline monitor, the duplicate
    /// index, the public rate limit and the staff pages. Needs <c>IOptions&lt;NodeOptions&gt;</c> bound by the host.
    /// </summary>
    public static IHostApplicationBuilder AddTicketingModule(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TicketingOptions>()
            .Bind(builder.Configuration.GetSection(TicketingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddNodeStorage(builder.Configuration);
        // Pooled: requests rent a context instead of building one (same store as AddModuleDbContext would choose).
        services.AddDbContextPool<TicketingDbContext>((sp, options) =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            options.UseNodeDatabase(storage, sp.GetRequiredService<IOptions<NodeOptions>>().Value.Id, "ticketing");
            SqliteTuning.Apply(options);
            options.AddInterceptors(sp.GetRequiredService<Cases.Feed.CaseFeedSignal>());
        });
        services.AddSingleton<Cases.Feed.CaseFeedSignal>();
        services.AddSingleton<ICaseFeedSignal>(sp => sp.GetRequiredService<Cases.Feed.CaseFeedSignal>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<DuplicateIndex>();
        services.AddSingleton<DuplicateIndexer>();
        services.AddSingleton<CaseIntakeWriter>();
        services.AddSingleton<ReferenceData>();
        services.AddScoped<AcceptCaseHandler>();
        services.AddScoped<ICaseIntake>(sp => sp.GetRequiredService<AcceptCaseHandler>());
        services.AddScoped<TakeActionHandler>();
        services.AddScoped<Cases.Import.ImportCasesHandler>();
        services.AddScoped<ICaseHistoryImport>(sp => sp.GetRequiredService<Cases.Import.ImportCasesHandler>());
        services.AddScoped<CaseQueries>();
        services.AddScoped<AddAttachmentHandler>();
        services.AddScoped<ICaseFeed, CaseFeedReader>();
        services.AddScoped<ICaseFactsSource, ReadCaseFactsHandler>();
        services.AddScoped<ICaseSupervision, RecordSupervisionHandler>();
        services.AddScoped<Reference.ReferenceDataEditor>();
        services.TryAddSingleton<IRecordingStore>(sp => new FileRecordingStore(Path.Combine(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.NodeDirectory(sp.GetRequiredService<IOptions<NodeOptions>>().Value.Id), "recordings")));
        services.AddScoped<ICaseTransferSource, ReadTransferPackageHandler>();
        services.AddScoped<ICaseDetailSource, Cases.Detail.ReadCaseDetailHandler>();

        // Order matters: the schema exists before the deadline monitor's first pass.
        services.AddHostedService<TicketingStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<CaseIntakeWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<DuplicateIndexer>());
        services.AddSingleton<DeadlineMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<DeadlineMonitor>());

        services.AddHealthChecks().AddDbContextCheck<TicketingDbContext>("ticketing", tags: [HealthTags.Ready]);
        services.AddNavLink(new NavLink("/staff/cases", "工单", "Cases", Order: 20,
            Roles: [HotlineRoles.Agent, HotlineRoles.TeamLead, HotlineRoles.QualityInspector, HotlineRoles.Handler, HotlineRoles.Reviewer,
                HotlineRoles.Administrator, HotlineRoles.Officer, HotlineRoles.Analyst]));
        services.AddNavLink(new NavLink("/staff/cases/phone", "电话受理", "Phone intake", Order: 19,
            Roles: [HotlineRoles.Agent, HotlineRoles.TeamLead, HotlineRoles.Administrator]));
        services.AddNavLink(new NavLink("/staff/cases/overdue", "超期督办", "Overdue", Order: 21,
            Roles: [HotlineRoles.TeamLead, HotlineRoles.Administrator, HotlineRoles.Officer]));
        services.AddNavLink(new NavLink("/staff/reference", "基础数据", "Reference data", Order: 23,
            Roles: [HotlineRoles.TeamLead, HotlineRoles.Administrator]));
        services.AddNavLink(new NavLink("/enterprise/cases", "企业直通车", "Enterprise cases", Order: 22, Roles: [HotlineRoles.Enterprise]));

        // The pages live in this assembly; hosts built with the Web SDK discover it themselves, others (tests) do not.
        services.AddRazorPages().ConfigureApplicationPartManager(parts =>
        {
            var assembly = typeof(TicketingModule).Assembly;
            if (!parts.ApplicationParts.Any(p => p.Name == assembly.GetName().Name))
            {
                foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                {
                    parts.ApplicationParts.Add(part);
                }
            }
        });
        return builder;
    }

    /// <summary>
    /// Maps the public and staff case API (<c>/api/v1/cases…</c>). The staff pages (<c>/cases…</c>) live in this
    /// assembly and are mapped by the host's single <c>app.MapRazorPages()</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapTicketingEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        TicketingEndpoints.Map(app);
        return app;
    }
}
