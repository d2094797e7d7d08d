using Hotline.Federation.CityCases;
using Hotline.Municipal.Workbench;
using Hotline.ServiceDefaults;
using Hotline.Telephony;
using Hotline.Ticketing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hotline.Municipal.Composition;

/// <summary>
/// What only a city host can do because it composes telephony, ticketing and federation: federation reaches the city's
/// cases through the ticketing adapters (<see cref="TicketingCityCases"/>), voicemail becomes a case, recordings
/// play from the case page, staff accounts are tied to their SIP extensions, and a demo city starts with a year of history. No business rules live here; each adapter
/// calls the modules' public contracts.
/// </summary>
internal static class CityComposition
{
    /// <summary>Call after <c>AddTicketingModule()</c>, <c>AddTelephonyModule()</c> and <c>AddFederationModule()</c>.</summary>
    public static IHostApplicationBuilder AddCityComposition(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Replace(ServiceDescriptor.Singleton<IVoicemailSink, VoicemailToCase>());
        services.AddAgentWorkbench();

        // Federation sees the city's cases only through its CityCases face; these adapters put ticketing behind it.
        services.AddScoped<ICityCases>(sp => new TicketingCityCases(sp.GetRequiredService<ICaseIntake>(), sp.GetRequiredService<ICaseFeed>(),
            sp.GetRequiredService<ICaseSupervision>(), sp.GetService<ICaseTransferSource>()));
        services.AddScoped<ICityCaseDetails, TicketingCaseDetails>();
        services.AddSingleton<ICityFeedSignal, TicketingFeedSignal>();

        // A case's recording id is the file's path under telephony's data folder (see RecordingLinks), so the case
        // page's player (GET /api/v1/cases/{caseNumber}/recording) reads from there.
        services.Replace(ServiceDescriptor.Singleton<Hotline.Ticketing.IRecordingStore>(sp =>
            new Hotline.Ticketing.FileRecordingStore(sp.GetRequiredService<IOptions<SipOptions>>().Value.DataDirectory)));

        services.AddOptions<AgentExtensionOptions>()
            .Bind(builder.Configuration.GetSection(AgentExtensionOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentExtensionOptions>, AgentExtensionValidator>();
        services.AddStartupTask<AgentExtensionSeeder>();

        services.AddOptions<DemoDataOptions>()
            .Bind(builder.Configuration.GetSection(DemoDataOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (builder.Configuration.GetValue<bool>($"{DemoDataOptions.SectionName}:{nameof(DemoDataOptions.Enabled)}"))
        {
            services.AddHostedService<DemoHistorySeeder>();
        }

        return builder;
    }

    /// <summary>Maps the city's own endpoints (recording playback).</summary>
    public static IEndpointRouteBuilder MapCityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapRecordings();
        return app;
    }
}
