using Hotline.ServiceDefaults;

namespace Hotline.Gateway;

/// <summary>The gateway's h2c listener (<see cref="GatewayOptions.GrpcUrl"/>) for gRPC routed by node header.</summary>
internal static class GrpcListener
{
    public static void Configure(WebApplicationBuilder builder)
    {
        var url = builder.Configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.GrpcUrl)}"];
        if (!string.IsNullOrWhiteSpace(url) && Uri.TryCreate(url, UriKind.Absolute, out var grpc))
        {
            builder.WebHost.ListenAlsoOnH2c(grpc);
        }
    }
}
