using Hotline.Knowledge.Api;
using Hotline.Knowledge.Articles;
using Hotline.Knowledge.Articles.Editing;
using Hotline.Knowledge.Articles.Reading;
using Hotline.Knowledge.Articles.Review;
using Hotline.Knowledge.Articles.Versions;
using Hotline.Knowledge.Content;
using Hotline.Knowledge.Import;
using Hotline.Knowledge.Persistence;
using Hotline.Knowledge.Search;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hotline.Knowledge;

/// <summary>Registers the knowledge module (知识库) with a host of any tier and maps its API; its pages come with the host's Razor pages.</summary>
public static class KnowledgeModule
{
    /// <summary>
    /// Adds the knowledge base: storage (<c>data/&lt;node&gt;/knowledge.db</c> or PostgreSQL schema <c>knowledge</c>), the
    /// search index (<c>data/&lt;node&gt;/knowledge-index</c>, rebuilt from the database at start), the scheduler, the
    /// public search rate limit and the staff pages. Needs <c>IOptions&lt;NodeOptions&gt;</c> bound by the host.
    /// </summary>
    public static IHostApplicationBuilder AddKnowledgeModule(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<KnowledgeOptions>()
            .Bind(builder.Configuration.GetSection(KnowledgeOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddNodeStorage(builder.Configuration);
        services.AddModuleDbContext<KnowledgeDbContext>(KnowledgeDbContext.Module);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MarkdownRenderer>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
            if (options.InMemoryIndex)
            {
                return new KnowledgeIndex(null);
            }

            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var folder = Path.Combine(storage.NodeDirectory(sp.GetRequiredService<IOptions<NodeOptions>>().Value.Id), "knowledge-index");
            return new KnowledgeIndex(folder);
        });
        services.AddSingleton<IndexSync>();
        services.AddScoped<ArticleStore>();
        services.AddScoped<ArticleEditor>();
        services.AddScoped<ArticleReview>();
        services.AddScoped<ArticleHistory>();
        services.AddScoped<ArticleImporter>();
        services.AddScoped<KnowledgeReader>();
        services.AddScoped<SynonymEditor>();
        services.AddHostedService<KnowledgeStartup>();
        services.AddHostedService<KnowledgeScheduler>();
        services.AddHealthChecks().AddDbContextCheck<KnowledgeDbContext>("knowledge", tags: [HealthTags.Ready]);

        // The one public limiter (ServiceDefaults): anonymous searches under their own name, 600 a minute per client
        // address unless RateLimiting:Public:Endpoints:knowledge-search says otherwise (the box sends one per pause).
        services.AddPublicRateLimiter(builder.Configuration);
        services.PostConfigure<PublicRateLimitOptions>(o =>
            o.Endpoints.TryAdd(KnowledgeEndpoints.PublicSearchLimit, new RateLimit { PermitLimit = 600, WindowSeconds = 60 }));
        services.AddNavLink(new NavLink("/staff/knowledge", "知识库", "Knowledge", Order: 25,
            Roles: [HotlineRoles.Agent, HotlineRoles.TeamLead, HotlineRoles.QualityInspector, HotlineRoles.Reviewer, HotlineRoles.PortalEditor,
                HotlineRoles.Administrator, HotlineRoles.Officer, HotlineRoles.Analyst, HotlineRoles.Handler]));

        // The pages live in this assembly; hosts built with the Web SDK discover it themselves, others (tests) do not.
        services.AddRazorPages().ConfigureApplicationPartManager(parts =>
        {
            var assembly = typeof(KnowledgeModule).Assembly;
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

    /// <summary>Maps <c>/api/v1/knowledge…</c>. The pages (<c>/staff/knowledge…</c>) are mapped by the host's <c>MapRazorPages()</c>.</summary>
    public static IEndpointRouteBuilder MapKnowledgeEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        KnowledgeEndpoints.Map(app);
        return app;
    }
}
