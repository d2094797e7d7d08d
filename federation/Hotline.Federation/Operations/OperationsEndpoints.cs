using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hotline.Federation.Operations;

/// <summary>Body of the replay action: the dead letters to move back to the inbox.</summary>
public sealed record ReplayRequest(IReadOnlyList<Guid> Ids);

/// <summary>Operator API: <c>/api/v1/federation/*</c> (administrators); the page is <c>Pages/Ops/Federation.cshtml</c>.</summary>
internal static class OperationsEndpoints
{
    public static void MapFederationOperations(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/federation").RequireAuthorization(HotlinePolicies.Admin).WithTags("Federation: operations");
        api.MapGet("/queues", async (FederationOperations ops, CancellationToken ct) => Results.Ok(await ops.QueuesAsync(ct)));
        api.MapGet("/dead-letters", async (FederationOperations ops, int? take, CancellationToken ct) =>
            Results.Ok(new { items = await ops.DeadLettersAsync(Math.Clamp(take ?? 100, 1, 1000), ct) }));
        api.MapGet("/refused", async (FederationOperations ops, int? take, CancellationToken ct) =>
            Results.Ok(new { items = await ops.RefusedAsync(Math.Clamp(take ?? 100, 1, 1000), ct) }));
        api.MapPost("/dead-letters/replay", async (ReplayRequest body, FederationOperations ops, CancellationToken ct) =>
        {
            if (body.Ids is not { Count: > 0 })
            {
                return ResultHttp.ToProblem(Error.Validation(new Dictionary<string, string[]> { ["ids"] = ["ids must name at least one dead letter."] }));
            }

            await ops.ReplayAsync(body.Ids, ct);
            return Results.Accepted();
        });
    }
}
