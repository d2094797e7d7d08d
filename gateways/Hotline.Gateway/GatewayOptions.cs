using System.ComponentModel.DataAnnotations;

namespace Hotline.Gateway;

/// <summary>Where the gateway reads the node directory and how it limits clients. Bound from the <c>Gateway</c> section.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The national node's base URL: its directory feeds the routes, and <c>/</c> goes to its portal.</summary>
    [Required]
    [Url]
    public string DirectoryUrl { get; set; } = string.Empty;

    /// <summary>The national node's id (the portal behind <c>/</c>).</summary>
    [Required]
    [RegularExpression("^[1-9][0-9]{5}$")]
    public string NationalId { get; set; } = "100000";

    /// <summary>How often the directory is read.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Requests per second each client IP may make on average.</summary>
    [Range(1, 100_000)]
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests a client IP may make in a burst.</summary>
    [Range(1, 100_000)]
    public int Burst { get; set; } = 400;

    /// <summary>
    /// The gateway's own gRPC listener, HTTP/2 only in cleartext (h2c), e.g. <c>http://127.0.0.1:5001</c>; unset: no gRPC
    /// at the edge. A call carrying <c>x-hotline-node: 440300</c> goes to that node's h2c address.
    /// </summary>
    [Url]
    public string? GrpcUrl { get; set; }

    /// <summary>
    /// Fallback h2c gRPC addresses by region code (<c>Gateway:GrpcNodes:440300</c>), for a node the directory lists
    /// without a <c>grpcUrl</c> (its heartbeat carries none); the directory's address wins when there is one.
    /// </summary>
    public Dictionary<string, string> GrpcNodes { get; set; } = new(StringComparer.Ordinal);
}
