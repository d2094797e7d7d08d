using System.Security.Claims;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Http;
using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Hotline.Federation.Bus;

/// <summary>
/// 来源节点 — which neighbour delivered an inbound envelope, as the transport authenticated it. Over the HTTP transport
/// the inbox request carries the neighbour's token (<c>node-{id}</c>): <see cref="InboundPeerStamp"/> writes that id
/// into every envelope of the request (header <see cref="Header"/>, overwriting whatever the sender put there) before
/// Wolverine stores it, so a handler reads a sender no message body or sender-chosen header can fake. Over RabbitMQ the
/// broker's access control is the boundary and the sender is the envelope's source (<c>hotline-{id}</c>).
/// </summary>
internal static class InboundPeer
{
    /// <summary>The envelope header holding the authenticated neighbour's node id.</summary>
    public const string Header = "hotline-peer";

    private const string ClientPrefix = "node-";
    private const string ServicePrefix = "hotline-";

    /// <summary>The node a federation token belongs to: client <c>node-440000</c> → <c>440000</c>; null for anyone else.</summary>
    public static string? NodeOf(ClaimsPrincipal user)
    {
        var client = user.FindFirst("sub")?.Value ?? user.FindFirst("client_id")?.Value
                     ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        return client is not null && client.StartsWith(ClientPrefix, StringComparison.Ordinal) && RegionCode.IsValid(client[ClientPrefix.Length..])
            ? client[ClientPrefix.Length..]
            : null;
    }

    /// <summary>The neighbour that delivered <paramref name="envelope"/>, or null when the transport did not say.</summary>
    public static string? SenderOf(Envelope envelope, FederationTransport transport)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var id = transport == FederationTransport.Http
            ? envelope.Headers.GetValueOrDefault(Header)
            : envelope.Source is { } source && source.StartsWith(ServicePrefix, StringComparison.Ordinal) ? source[ServicePrefix.Length..] : null;
        return id is not null && RegionCode.IsValid(id) ? id : null;
    }

    /// <summary>Writes <paramref name="peer"/> into every envelope (removes the header when the caller names no node).</summary>
    public static void Stamp(IEnumerable<Envelope> envelopes, string? peer)
    {
        foreach (var envelope in envelopes)
        {
            if (peer is null)
            {
                envelope.Headers.Remove(Header);
            }
            else
            {
                envelope.Headers[Header] = peer;
            }
        }
    }
}

/// <summary>
/// The federation inbox's filter (after authorization, before Wolverine reads the body): rewrites the envelopes of the
/// request with the caller's node id stamped in (<see cref="InboundPeer"/>). A body that cannot be read is refused
/// here (400, as Wolverine refuses a malformed batch), and so are CloudEvents (<c>/invoke</c>, never used between nodes,
/// 415) because their headers could not be stamped.
/// </summary>
internal sealed class InboundPeerStamp : IEndpointFilter
{
    private const string Batch = "binary/wolverine-envelopes";
    private const string Single = "binary/wolverine-envelope";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var contentType = http.Request.Headers.ContentType.FirstOrDefault();
        if (contentType is Batch or Single)
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            var stamped = Restamp(body, contentType == Batch, InboundPeer.NodeOf(http.User));
            if (stamped is null)
            {
                return Error.Invalid("federation.envelope", "Invalid envelope batch: the body is not a Wolverine envelope (batch).").ToProblem();
            }

            http.Request.Body = new MemoryStream(stamped, writable: false);
            http.Request.ContentLength = stamped.Length;
        }
        else if (contentType is not null)
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        return await next(context);
    }

    private static byte[]? Restamp(byte[] body, bool batch, string? peer)
    {
        try
        {
            if (batch)
            {
                var envelopes = EnvelopeSerializer.ReadMany(body);
                InboundPeer.Stamp(envelopes, peer);
                return EnvelopeSerializer.Serialize(envelopes);
            }

            var envelope = EnvelopeSerializer.Deserialize(body);
            InboundPeer.Stamp([envelope], peer);
            return EnvelopeSerializer.Serialize(envelope);
        }
#pragma warning disable CA1031 // any failure to read the body is the sender's: refused as a bad request
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}
