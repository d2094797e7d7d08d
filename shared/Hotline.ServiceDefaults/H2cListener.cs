using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace Hotline.ServiceDefaults;

/// <summary>
/// A second Kestrel listener for gRPC in cleartext (h2c): HTTP/2 only, because Kestrel cannot serve h2c on an
/// HTTP/1.1+2 endpoint without TLS. Listening in code replaces the configured URLs (<c>urls</c> / ASPNETCORE_URLS /
/// --urls), so those are listened on again beside it, as HTTP/1.1+2.
/// </summary>
public static class H2cListener
{
    /// <summary>Listens on the process's configured URLs and, HTTP/2 only, on <paramref name="h2c"/>.</summary>
    public static IWebHostBuilder ListenAlsoOnH2c(this IWebHostBuilder webHost, Uri h2c)
    {
        ArgumentNullException.ThrowIfNull(webHost);
        ArgumentNullException.ThrowIfNull(h2c);
        return webHost.ConfigureKestrel((context, kestrel) =>
        {
            foreach (var url in HttpUrls(context.Configuration))
            {
                Listen(kestrel, url, HttpProtocols.Http1AndHttp2);
            }

            Listen(kestrel, h2c, HttpProtocols.Http2);
        });
    }

    /// <summary>The process's ordinary URLs (<c>urls</c> / ASPNETCORE_URLS / --urls), default http://localhost:5000.</summary>
    internal static IEnumerable<Uri> HttpUrls(IConfiguration configuration)
    {
        var urls = configuration["urls"];
        foreach (var part in (string.IsNullOrWhiteSpace(urls) ? "http://localhost:5000" : urls)
                     .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // "http://*:5000" and "http://+:5000" are not URIs; they mean every address.
            var normalized = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
            {
                yield return uri;
            }
        }
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
