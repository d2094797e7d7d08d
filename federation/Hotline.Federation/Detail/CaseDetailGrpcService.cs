using System.Security.Claims;
using Grpc.Core;
using Hotline.Federation.Detail.V1;
using Hotline.SharedKernel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.Detail;

/// <summary>
/// The gRPC face of 上级调阅 (<c>hotline.federation.v1.CaseDetail</c>), served on the node's h2c port. The caller is a
/// neighbour authenticated by this node's IdP (policy: role <c>node</c>); only this node's parent may call (requests
/// travel down the tree), and only for a requester that is the parent or above it.
/// </summary>
internal sealed partial class CaseDetailGrpcService(CaseDetailReader reader, IOptions<NodeOptions> node, ILogger<CaseDetailGrpcService> logger)
    : CaseDetail.CaseDetailBase
{
    /// <summary>The client id prefix of node clients at every IdP (<c>node-440000</c>).</summary>
    public const string NodeClientPrefix = "node-";

    public override async Task<CaseDetailReply> GetCaseDetail(GetCaseDetailRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var self = node.Value;
        var caller = CallerNode(context.GetHttpContext().User);
        if (caller is null)
        {
            throw Refuse(request, "?", "The token does not name a federation node (subject node-<region code>).");
        }

        if (caller != self.Parent)
        {
            throw Refuse(request, caller,
                $"Node {caller} is not the parent of {self.Id}: case detail requests only travel down the tree from a superior.");
        }

        if (!DetailScope.IsSelfOrAbove(request.RequestedByNode ?? string.Empty, caller))
        {
            throw Refuse(request, caller, $"Node {caller} forwards a request of '{request.RequestedByNode}', which is neither {caller} nor above it.");
        }

        if (request.Via.Count == 0 || request.Via[^1] != caller)
        {
            request.Via.Add(caller);
        }

        return await reader.ReadAsync(request, context.Deadline == DateTime.MaxValue ? null : context.Deadline, context.CancellationToken);
    }

    /// <summary>The region code of the calling node from its token's subject (<c>node-440000</c> → 440000), or null.</summary>
    internal static string? CallerNode(ClaimsPrincipal user)
    {
        var subject = user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (subject is null || !subject.StartsWith(NodeClientPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var id = subject[NodeClientPrefix.Length..];
        return RegionCode.IsValid(id) ? id : null;
    }

    private RpcException Refuse(GetCaseDetailRequest request, string caller, string message)
    {
        LogRefused(logger, request.CaseNumber, caller, message);
        return CaseDetailReader.Fail(StatusCode.PermissionDenied, message);
    }

    [LoggerMessage(EventId = 4153, Level = LogLevel.Warning, Message = "Case detail {CaseNumber} refused to caller {Caller}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string caseNumber, string caller, string reason);
}
