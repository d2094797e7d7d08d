using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.Detail;

/// <summary>
/// Composition of 上级调阅 (on-demand case reads along the tree): the gRPC service, the h2c listener on
/// <c>Node:GrpcUrl</c>, the neighbours' gRPC addresses (<c>Federation:Peers:{i}:Grpc</c>), and at provinces and the
/// ministry the REST face and staff pages.
/// </summary>
internal static class CaseDetailModule
{
    /// <summary>The policy of the gRPC endpoint: a node token, checked by the bearer scheme itself (401, never a login redirect).</summary>
    public const string GrpcPolicy = "hotline.federation.grpc";

    private static readonly string[] BearerSchemes = ["OpenIddict.Validation.AspNetCore", "Bearer"];

    public static WebApplicationBuilder AddCaseDetail(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GrpcNodeOptions>()
            .Bind(builder.Configuration.GetSection(NodeOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "Node:GrpcUrl must be an absolute http:// URL (h2c).")
            .ValidateOnStart();
        services.AddOptions<GrpcPeersOptions>()
            .Bind(builder.Configuration.GetSection(FederationOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "Federation:Peers:*:Grpc must be absolute URLs and Federation:DetailTimeout positive.")
            .ValidateOnStart();
        services.AddGrpc(o => o.IgnoreUnknownServices = true);
        services.AddSingleton<GrpcPeerChannels>();
        services.AddSingleton<CaseDetailReader>();
        services.AddOptions<AuthorizationOptions>().Configure<IAuthenticationSchemeProvider>((o, schemes) =>
        {
            var known = schemes.GetAllSchemesAsync().GetAwaiter().GetResult().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            o.AddPolicy(GrpcPolicy, p =>
            {
                foreach (var scheme in BearerSchemes.Where(known.Contains).Take(1))
                {
                    p.AddAuthenticationSchemes(scheme);
                }

                p.RequireAuthenticatedUser().RequireRole(HotlineRoles.Node);
            });
        });

        var grpcUrl = builder.Configuration.GetSection(NodeOptions.SectionName).Get<GrpcNodeOptions>()?.GrpcUrl;
        if (grpcUrl is { Length: > 0 } && Uri.TryCreate(grpcUrl, UriKind.Absolute, out var grpc))
        {
            builder.WebHost.ListenAlsoOnH2c(grpc);
        }

        return builder;
    }

    public static WebApplication MapCaseDetail(this WebApplication app)
    {
        app.MapGrpcService<CaseDetailGrpcService>().RequireAuthorization(GrpcPolicy);
        if (app.Services.GetRequiredService<IOptions<NodeOptions>>().Value.Tier != NodeTier.Municipal)
        {
            app.MapCaseDetailEndpoints();
        }

        return app;
    }
}
