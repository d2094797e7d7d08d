using Hotline.Telephony.CallControl;
using Hotline.Telephony.Cti;
using Hotline.Telephony.Sip;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Telephony;

/// <summary>
/// The telephony module's face: <see cref="AddTelephonyModule"/> registers the SIP engine (started with the host),
/// options, voicemail sink and CTI; <see cref="MapTelephonyEndpoints"/> maps the CTI API and hub.
/// </summary>
public static class TelephonyModule
{
    /// <summary>Binds <see cref="SipOptions"/> from <c>Sip</c> (validated at start-up) and runs the engine as a hosted service.</summary>
    public static IHostApplicationBuilder AddTelephonyModule(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddOptions<SipOptions>()
            // A configured queue list replaces the default menu; the binder alone would append it to the defaults.
            .Configure(o =>
            {
                if (configuration.GetSection($"{SipOptions.SectionName}:{nameof(SipOptions.Queues)}").GetChildren().Any())
                {
                    o.Queues.Clear();
                }
            })
            .Bind(configuration.GetSection(SipOptions.SectionName))
            .PostConfigure(o =>
            {
                // Keep a node's prompts, recordings and CDRs beside its other data: data/<node>/telephony.
                if (o.DataDirectory == Path.Combine("data", "telephony") && configuration["Node:Id"] is { Length: > 0 } node)
                {
                    o.DataDirectory = Path.Combine(configuration["Storage:DataDirectory"] ?? "data", node, "telephony");
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SipOptions>, SipOptionsValidator>());
        services.TryAddSingleton<IVoicemailSink>(sp =>
            new FileVoicemailSink(sp.GetRequiredService<IOptions<SipOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CtiBroadcaster>();
        services.AddSingleton(sp => new TelephonyNode(
            sp.GetRequiredService<IOptions<SipOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IVoicemailSink>(),
            sp.GetRequiredService<CtiBroadcaster>()));
        services.AddSingleton(sp => sp.GetRequiredService<TelephonyNode>().Engine);
        services.AddSingleton(sp => sp.GetRequiredService<TelephonyNode>().Calls);
        services.AddHostedService<TelephonyHostedService>();
        services.AddSignalR();
        return builder;
    }

    /// <summary>Maps <c>/api/v1/cti/*</c> and the <c>/hubs/cti</c> hub, all for staff only.</summary>
    public static IEndpointRouteBuilder MapTelephonyEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        CtiEndpoints.Map(app);
        return app;
    }
}

/// <summary>Checks what data annotations cannot; each failure names the field.</summary>
internal sealed class SipOptionsValidator : IValidateOptions<SipOptions>
{
    public ValidateOptionsResult Validate(string? name, SipOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Starts and stops the SIP engine and call center with the host.</summary>
internal sealed class TelephonyHostedService(TelephonyNode node) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => node.StopAsync();
}
