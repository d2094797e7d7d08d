using Hotline.Federation.Persistence;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.Reporting;

/// <summary>A case reported up from a city, as listed at the province or ministry (phone masked).</summary>
public sealed record ReportedCaseView(
    string CaseNumber, string Node, string Type, string? Category, string Channel, string Title, string Phone, string Status,
    string LastEvent, DateTimeOffset CreatedAt, DateTimeOffset? Deadline, bool Major, DateTimeOffset UpdatedAt);

/// <summary><c>GET /api/v1/cases?node=…</c> at provinces and the ministry.</summary>
internal static class ReportingEndpoints
{
    public static void MapReportingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cases", ListAsync)
            .RequireAuthorization(HotlinePolicies.Staff)
            .WithName("ListReportedCases")
            .WithTags("Federation: reporting");
    }

    private static async Task<IResult> ListAsync(string? node, string? status, int? take, FederationDbContext db,
        IOptions<NodeOptions> self, CancellationToken ct)
    {
        if (node is not null && !RegionCode.IsValid(node))
        {
            return Error.Validation(new Dictionary<string, string[]> { ["node"] = ["node must be a 6-digit region code."] })
                .ToProblem();
        }

        if (node is not null && self.Value.Tier == NodeTier.Provincial && RegionCode.ProvinceOf(node) != self.Value.Id)
        {
            return Error.Forbidden("reporting.scope", $"{node} is not within {self.Value.Id}.").ToProblem();
        }

        var query = db.ReportedCases.AsNoTracking();
        if (node is not null)
        {
            query = query.Where(c => c.CityNode == node);
        }

        if (!string.IsNullOrWhiteSpace(status))
        {
            query = query.Where(c => c.Status == status);
        }

        var limit = Math.Clamp(take ?? 100, 1, 1000);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(c => c.CaseNumber).Take(limit).ToListAsync(ct);
        var items = rows.Select(r => new ReportedCaseView(r.CaseNumber, r.CityNode, r.Type, r.Category, r.Channel, r.Title,
            Masking.Phone(r.MaskedPhone), r.Status, r.LastEvent, r.CreatedAt, r.Deadline, r.Major, r.UpdatedAt)).ToList();
        return Results.Ok(new { node, total, items });
    }
}
