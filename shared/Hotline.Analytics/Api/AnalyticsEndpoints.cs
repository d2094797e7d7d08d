using Hotline.Analytics.Ranking;
using Hotline.Analytics.Stats;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hotline.Analytics.Api;

/// <summary>HTTP face of the module (CONTRACTS.md "Statistics"): staff only, within the node's scope.</summary>
internal static class AnalyticsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var stats = app.MapGroup("/api/v1/stats").WithTags("Statistics").RequireAuthorization(HotlinePolicies.Staff);
        stats.MapGet("/cases", CasesAsync).WithName("GetCaseStats")
            .WithSummary("Counts by acceptance date (China time) with the 同比 (previousYear) and 环比 (previousPeriod) bases; groupBy=type|category|channel|node; optional node= narrows to a province or city in scope.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        stats.MapGet("/ranking", RankingAsync).WithName("GetRanking")
            .WithSummary("Monthly ranking (month=yyyy-MM): the ministry ranks provinces, a province its cities, on the case indicators.")
            .ProducesValidationProblem();
        stats.MapGet("/warnings", WarningsAsync).WithName("GetWarnings")
            .WithSummary("动态预警 (date=yyyy-MM-dd): region × category spikes of the week ending that day against the seasonal baseline.")
            .ProducesValidationProblem();
    }

    private static async Task<IResult> WarningsAsync(string? date, HttpContext http, Warnings.GetWarningsHandler handler, CancellationToken ct)
    {
        if (Denied(http) is { } denied)
        {
            return denied;
        }

        return (await handler.HandleAsync(date, ct)).ToHttpResult(list => TypedResults.Ok(new
        {
            date,
            items = list.Select(w => new { node = w.Node, category = w.Category, name = w.CategoryName, count = w.Count, baseline = Math.Round(w.Baseline, 2), threshold = w.Threshold }),
        }));
    }

    private static async Task<IResult> CasesAsync(string? from, string? to, string? groupBy, string? node, HttpContext http,
        GetCaseStatsHandler handler, CancellationToken ct)
    {
        if (Denied(http) is { } denied)
        {
            return denied;
        }

        return (await handler.HandleAsync(new GetCaseStats(from, to, groupBy, string.IsNullOrWhiteSpace(node) ? null : node.Trim()), ct))
            .ToHttpResult(v => TypedResults.Ok(new
            {
                from = v.From,
                to = v.To,
                groupBy = v.GroupBy,
                groups = v.Groups.Select(g => new { key = g.Key, name = g.Name, count = g.Count, previousYear = g.PreviousYear, previousPeriod = g.PreviousPeriod }),
                total = new { count = v.Total.Count, previousYear = v.Total.PreviousYear, previousPeriod = v.Total.PreviousPeriod },
                periods = v.Periods,
            }));
    }

    private static async Task<IResult> RankingAsync(string? month, HttpContext http, GetRankingHandler handler, CancellationToken ct)
    {
        if (Denied(http) is { } denied)
        {
            return denied;
        }

        return (await handler.HandleAsync(month, ct)).ToHttpResult(v => TypedResults.Ok(new
        {
            month = v.Month,
            items = v.Items.Select(i => new { node = i.Node, name = i.Name, rank = i.Rank, score = i.Score, indicators = i.Indicators }),
        }));
    }

    /// <summary>Enterprise accounts (企业直通车) see their own cases, not the node's statistics.</summary>
    internal static IResult? Denied(HttpContext http)
    {
        var roles = http.User.Claims.Where(c => c.Type is System.Security.Claims.ClaimTypes.Role or "role").Select(c => c.Value).ToList();
        return roles.Count > 0 && roles.All(r => r == HotlineRoles.Enterprise)
            ? Error.Forbidden("stats.forbidden", "Enterprise accounts do not see the node's statistics.").ToProblem()
            : null;
    }
}
