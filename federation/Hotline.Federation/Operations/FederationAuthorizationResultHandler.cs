using Hotline.Federation.Persistence;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wolverine.Runtime.Serialization;

namespace Hotline.Federation.Operations;

/// <summary>
/// When a request to the federation inbox is refused (no token, forged token, not a federation client), records it
/// with the reason in the node's refused-message log before answering 401/403, so the operator sees it; it is
/// never applied. Every other request keeps the default behaviour.
/// </summary>
internal sealed partial class FederationAuthorizationResultHandler(IServiceScopeFactory scopes, ILogger<FederationAuthorizationResultHandler> logger)
    : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Succeeded && context.Request.Path.StartsWithSegments("/_wolverine", StringComparison.OrdinalIgnoreCase))
        {
            await RecordAsync(context, authorizeResult);
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private async Task RecordAsync(HttpContext context, PolicyAuthorizationResult result)
    {
        var hasToken = context.Request.Headers.Authorization.Count > 0;
        var reason = result.Forbidden
            ? "refused: the caller is authenticated but not a federation peer of this node"
            : hasToken ? "refused: invalid, forged or expired bearer token" : "refused: no bearer token";
        string? types = null;
        var count = 0;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var envelopes = EnvelopeSerializer.ReadMany(buffer.ToArray());
            count = envelopes.Length;
            types = string.Join(",", envelopes.Select(e => e.MessageType).Distinct());
        }
#pragma warning disable CA1031 // the body of a refused request is only informative; an unreadable one is still refused
        catch (Exception)
#pragma warning restore CA1031
        {
            types = null;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FederationDbContext>();
        db.RefusedMessages.Add(new RefusedMessage
        {
            Id = Guid.NewGuid(),
            At = DateTimeOffset.UtcNow,
            Reason = reason,
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            MessageTypes = types,
            Envelopes = count,
        });
        await db.SaveChangesAsync(context.RequestAborted);
        LogRefused(logger, reason, types ?? "?", count);
    }

    [LoggerMessage(EventId = 4130, Level = LogLevel.Warning, Message = "Federation inbox {Reason}; {Count} envelope(s) of {MessageTypes} not applied")]
    private static partial void LogRefused(ILogger logger, string reason, string messageTypes, int count);
}
