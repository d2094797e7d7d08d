using Hotline.Analytics;
using Hotline.Directory;
using Hotline.Federation;
using Hotline.Identity;
using Hotline.Knowledge;
using Hotline.ServiceDefaults;
using Hotline.Web;

namespace Hotline.Provincial;

/// <summary>The host of a 省级 node: it only composes modules. A bad <c>Node</c> configuration stops it before it listens.</summary>
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
        builder.AddFederationModule();
        builder.AddAnalyticsModule();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapIdentityEndpoints();
        app.MapWebPages();
        app.MapDirectoryEndpoints();
        app.MapKnowledgeEndpoints();
        app.MapFederationEndpoints();
        app.MapAnalyticsEndpoints();
        app.Run();
    }
}
