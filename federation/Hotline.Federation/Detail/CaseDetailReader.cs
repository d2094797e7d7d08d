using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Hotline.Federation.Detail.V1;
using Hotline.Federation.Routing;
using Hotline.Identity;
using Hotline.SharedKernel;
using Hotline.Federation.CityCases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.Detail;

/// <summary>
/// 上级调阅 at one node: checks the scope (the requester must be above the owning city), then reads the case locally when
/// this node owns it (the city's <see cref="ICityCaseDetails"/>, which audits) or forwards the request one hop down the
/// tree with a token from the child's IdP. Failures are <see cref="RpcException"/>s with the gRPC status the caller sees.
/// </summary>
internal sealed partial class CaseDetailReader(
    IOptions<NodeOptions> node,
    IOptionsMonitor<GrpcPeersOptions> peers,
    GrpcPeerChannels channels,
    IPeerTokenProvider tokens,
    IServiceScopeFactory scopes,
    ILogger<CaseDetailReader> logger)
{
    public async Task<CaseDetailReply> ReadAsync(GetCaseDetailRequest request, DateTime? deadline, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var self = node.Value;
        var owner = DetailScope.OwnerOf(request.CaseNumber)
            ?? throw Fail(StatusCode.InvalidArgument, $"'{request.CaseNumber}' is not a case number (region code-date-sequence, e.g. 440300-20261125-000123).");
        if (!RegionCode.IsValid(request.RequestedByNode))
        {
            throw Fail(StatusCode.InvalidArgument, "requested_by_node must be the requesting node's 6-digit region code.");
        }

        if (!DetailScope.IsAbove(request.RequestedByNode, owner))
        {
            throw Fail(StatusCode.PermissionDenied,
                $"Node {request.RequestedByNode} may not read case {request.CaseNumber}: only the ministry and the province of {owner} read its cases.");
        }

        if (request.Via.Count == 0 || request.Via[^1] != self.Id)
        {
            request.Via.Add(self.Id);
        }

        if (owner == self.Id)
        {
            return await ReadLocalAsync(request, ct);
        }

        var hop = TreeRouter.NextHop(self, owner);
        if (hop.Kind != HopKind.Child)
        {
            throw DetailScope.IsAbove(self.Id, owner)
                ? Fail(StatusCode.NotFound, $"No node {owner} below {self.Id}: case {request.CaseNumber} cannot exist.")
                : Fail(StatusCode.PermissionDenied, $"Case {request.CaseNumber} belongs to {owner}, which is not below {self.Id}.");
        }

        return await ForwardAsync(hop.NodeId!, request, deadline, ct);
    }

    private async Task<CaseDetailReply> ReadLocalAsync(GetCaseDetailRequest request, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var source = scope.ServiceProvider.GetService<ICityCaseDetails>()
            ?? throw Fail(StatusCode.Unavailable, $"Node {node.Value.Id} has no case module to read {request.CaseNumber} from.");
        var read = await source.ReadAsync(new CityCaseDetailRequest(request.CaseNumber, request.RequestedByNode, request.RequestedByUser,
            request.Reason, [.. request.Via]), ct);
        if (!read.IsSuccess)
        {
            throw Fail(read.Error!.Kind == ErrorKind.NotFound ? StatusCode.NotFound : StatusCode.InvalidArgument, read.Error.Message);
        }

        LogServed(logger, request.CaseNumber, request.RequestedByNode, request.RequestedByUser);
        return ToReply(read.Value, node.Value.Id, request.Via);
    }

    private async Task<CaseDetailReply> ForwardAsync(string child, GetCaseDetailRequest request, DateTime? deadline, CancellationToken ct)
    {
        var self = node.Value.Id;
        var options = peers.CurrentValue;
        var peer = options.Peers.Find(p => p.Id == child);
        if (peer?.Grpc is not { Length: > 0 } address)
        {
            throw Fail(StatusCode.FailedPrecondition,
                $"Node {self} has no gRPC address for {child} (Federation:Peers:…:Grpc): on-demand reads through {child} are off.");
        }

        string token;
        try
        {
            token = await tokens.GetTokenAsync(child, ct);
        }
        catch (PeerTokenException ex)
        {
            throw Fail(StatusCode.Unavailable, $"Node {child} is unreachable from {self}: no token from its IdP ({ex.Message}).");
        }

        var hopDeadline = DateTime.UtcNow + options.DetailTimeout;
        if (deadline is { } d && d < hopDeadline)
        {
            hopDeadline = d;
        }

        var client = new V1.CaseDetail.CaseDetailClient(channels.For(address));
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        try
        {
            LogForward(logger, request.CaseNumber, self, child);
            return await client.GetCaseDetailAsync(request, headers, hopDeadline, ct);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal
                                          or StatusCode.Unknown or StatusCode.Unimplemented)
        {
            LogForwardFailed(logger, request.CaseNumber, child, ex.StatusCode, ex.Status.Detail);
            throw Fail(StatusCode.Unavailable, $"Node {child} is unreachable from {self} ({ex.StatusCode}: {ex.Status.Detail}).");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            throw Fail(StatusCode.FailedPrecondition, $"Node {child} refused {self}'s token ({ex.Status.Detail}).");
        }
    }

    internal static CaseDetailReply ToReply(CityCaseDetail detail, string owner, IEnumerable<string> via)
    {
        var reply = new CaseDetailReply
        {
            CaseNumber = detail.CaseNumber,
            Node = owner,
            Type = detail.Type,
            Category = detail.Category ?? string.Empty,
            Channel = detail.Channel,
            Status = detail.Status,
            StatusText = detail.StatusText,
            Title = detail.Title,
            Description = detail.Description,
            CallerMasked = detail.CallerMasked,
            Location = detail.Location ?? string.Empty,
            CreatedAt = Timestamp.FromDateTimeOffset(detail.AcceptedAt),
            HandlingUnit = detail.HandlingUnit ?? string.Empty,
            Major = detail.Major,
            Reply = detail.Reply ?? string.Empty,
            OriginNode = detail.OriginNode ?? string.Empty,
            OriginCaseNumber = detail.OriginCaseNumber ?? string.Empty,
        };
        if (detail.Deadline is { } deadline)
        {
            reply.Deadline = Timestamp.FromDateTimeOffset(deadline);
        }

        reply.Via.AddRange(via);
        reply.Timeline.AddRange(detail.Timeline.Select(e => new TimelineEntry
        {
            At = Timestamp.FromDateTimeOffset(e.At),
            Kind = e.Kind,
            Status = e.Status ?? string.Empty,
            Text = e.Text,
            Comment = e.Comment ?? string.Empty,
            Actor = e.Actor ?? string.Empty,
        }));
        return reply;
    }

    internal static RpcException Fail(StatusCode code, string message) => new(new Status(code, message), message);

    [LoggerMessage(EventId = 4150, Level = LogLevel.Information, Message = "Case detail {CaseNumber} served to {Node}/{User} (audited by the city)")]
    private static partial void LogServed(ILogger logger, string caseNumber, string node, string user);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Debug, Message = "Case detail {CaseNumber}: {Self} → {Child}")]
    private static partial void LogForward(ILogger logger, string caseNumber, string self, string child);

    [LoggerMessage(EventId = 4152, Level = LogLevel.Warning, Message = "Case detail {CaseNumber}: child {Child} failed with {Status}: {Detail}")]
    private static partial void LogForwardFailed(ILogger logger, string caseNumber, string child, StatusCode status, string detail);
}

/// <summary>One HTTP/2 channel per neighbour gRPC address, reused for every call (a channel multiplexes calls).</summary>
internal sealed class GrpcPeerChannels : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public GrpcChannel For(string address) => _channels.GetOrAdd(address.TrimEnd('/'), a => GrpcChannel.ForAddress(a, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        },
        DisposeHttpClient = true,
    }));

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
