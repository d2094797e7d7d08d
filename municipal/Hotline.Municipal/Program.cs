using Hotline.Analytics;
using Hotline.Directory;
using Hotline.Federation;
using Hotline.Identity;
using Hotline.Knowledge;
using Hotline.Municipal.Composition;
using Hotline.ServiceDefaults;
using Hotline.Telephony;
using Hotline.Ticketing;
using Hotline.Web;

namespace Hotline.Municipal;

/// <summary>The host of a 地市级 node: it only composes modules. A bad <c>Node</c> configuration stops it before it listens.</summary>
public sealed class Program
{
    private Program()
    {
    }

    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddIdentityModule();
        builder.AddWebModule();
        builder.AddDirectoryModule();
        builder.AddKnowledgeModule();
        builder.AddTicketingModule();
        builder.AddTelephonyModule();
        builder.AddFederationModule();
        builder.AddAnalyticsModule();
        builder.AddCityComposition();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapIdentityEndpoints();
        app.MapWebPages();
        app.MapDirectoryEndpoints();
        app.MapKnowledgeEndpoints();
        app.MapTicketingEndpoints();
        app.MapTelephonyEndpoints();
        app.MapCityEndpoints();
        app.MapFederationEndpoints();
        app.MapAnalyticsEndpoints();
        app.Run();
    }
}
