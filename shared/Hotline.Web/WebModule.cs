using System.Text.Encodings.Web;
using System.Text.Unicode;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.WebEncoders;

namespace Hotline.Web;

/// <summary>Settings of the node's pages. Section <c>Web</c>.</summary>
public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>The gateway's public base URL; links to other nodes' sites go through it (<c>{GatewayUrl}/{regionCode}/</c>).</summary>
    public string? GatewayUrl { get; set; }

    /// <summary>Names of child nodes by region code (provinces are known built in; cities come from here).</summary>
    public Dictionary<string, string> SiteNames { get; set; } = [];

    /// <summary>The citizen case-submission form of a city node.</summary>
    public string CaseFormPath { get; set; } = "/cases/new";

    /// <summary>The citizen case-progress query page of a city node.</summary>
    public string CaseQueryPath { get; set; } = "/cases/query";
}

/// <summary>The shared pages of every node (公众门户 landing page, 工作台 staff home, layout, language switch).</summary>
public static class WebModule
{
    /// <summary>The cookie-backed language switch: <c>/culture/{culture}?returnUrl=…</c>.</summary>
    public const string CulturePath = "/culture";

    /// <summary>Registers Razor Pages, the navigation registry and <see cref="WebOptions"/>.</summary>
    public static TBuilder AddWebModule<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WebOptions>()
            .Bind(builder.Configuration.GetSection(WebOptions.SectionName))
            .Validate(o => o.GatewayUrl is null || Uri.TryCreate(o.GatewayUrl, UriKind.Absolute, out _), "Web:GatewayUrl must be an absolute URL.")
            .ValidateOnStart();
        builder.Services.AddRazorPages();
        builder.Services.AddSingleton<Navigation>();
        // Chinese text stays readable in the HTML instead of &#x…; entities (still HTML-encoded where it must be).
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        return builder;
    }

    /// <summary>Adds a link to the layout's navigation.</summary>
    public static IServiceCollection AddNavLink(this IServiceCollection services, NavLink link)
    {
        services.AddSingleton(link);
        return services;
    }

    /// <summary>Adds a live panel to the staff home (/staff).</summary>
    public static IServiceCollection AddStaffPanel(this IServiceCollection services, StaffPanel panel)
    {
        services.AddSingleton(panel);
        return services;
    }

    /// <summary>Maps every Razor page of the node (all modules' pages, the login page included), the static assets
    /// (<c>_content/Hotline.Web/lib/…</c> from npm) and the language switch. Call once per host.</summary>
    public static WebApplication MapWebPages(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapStaticAssets();
        app.MapRazorPages().WithStaticAssets();
        app.MapGet(CulturePath + "/{culture}", (string culture, string? returnUrl, HttpContext context) =>
            {
                if (!ServiceDefaultsCultures.Contains(culture))
                {
                    return Results.BadRequest();
                }

                context.Response.Cookies.Append(
                    CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { MaxAge = TimeSpan.FromDays(365), HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true });
                var target = returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
                    && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
                    ? returnUrl
                    : "/";
                return Results.LocalRedirect("~" + target);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    private static readonly string[] ServiceDefaultsCultures = ["zh-CN", "en-US"];

    /// <summary>The tier label key of <see cref="WebText"/>.</summary>
    public static string TierKey(NodeTier tier) => "Tier" + tier;
}
