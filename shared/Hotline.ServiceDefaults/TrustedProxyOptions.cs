using System.Net;
using Microsoft.AspNetCore.Builder;

namespace Hotline.ServiceDefaults;

/// <summary>
/// Proxies whose <c>X-Forwarded-For</c>/<c>-Proto</c>/<c>-Prefix</c> a node believes, beside loopback. Section
/// <c>ForwardedHeaders</c>: <c>KnownProxies</c> (addresses, e.g. the gateway's <c>10.1.2.3</c>) and <c>KnownNetworks</c>
/// (CIDR ranges, e.g. <c>10.1.0.0/16</c>). The client address the rate limits and audit lines use comes from here.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>CIDR ranges of trusted proxies.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    internal IEnumerable<string> Invalid() =>
        KnownProxies.Where(p => !IPAddress.TryParse(p, out _)).Concat(KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)));

    internal void ApplyTo(ForwardedHeadersOptions options)
    {
        foreach (var proxy in KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
    }
}
