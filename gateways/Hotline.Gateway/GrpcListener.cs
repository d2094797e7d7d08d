using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hotline.Gateway;

/// <summary>
/// The gateway's h2c listener (<see cref="GatewayOptions.GrpcUrl"/>): HTTP/2 only, because Kestrel cannot serve h2c on an
/// HTTP/1.1+2 endpoint without TLS. Listening in code replaces the configured URLs, so those are listened on again.
/// </summary>
internal static class GrpcListener
{
    public static void Configure(WebApplicationBuilder builder)
    {
        var url = builder.Configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.GrpcUrl)}"];
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var grpc))
        {
            return;
        }

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var urls = context.Configuration["urls"];
            foreach (var part in (string.IsNullOrWhiteSpace(urls) ? "http://localhost:5000" : urls)
                         .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var normalized = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
                if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
                {
                    Listen(kestrel, uri, HttpProtocols.Http1AndHttp2);
                }
            }

            Listen(kestrel, grpc, HttpProtocols.Http2);
        });
    }

    private static void Listen(KestrelServerOptions kestrel, Uri url, HttpProtocols protocols)
    {
        void Configure(ListenOptions o)
        {
            o.Protocols = protocols;
            if (url.Scheme == Uri.UriSchemeHttps)
            {
                o.UseHttps();
            }
        }

        if (url.Host == "localhost")
        {
            kestrel.ListenLocalhost(url.Port, Configure);
        }
        else if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any))
        {
            kestrel.Listen(address, url.Port, Configure);
        }
        else
        {
            kestrel.ListenAnyIP(url.Port, Configure);
        }
    }
}
