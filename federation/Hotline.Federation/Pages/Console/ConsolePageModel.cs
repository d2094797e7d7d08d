using System.Globalization;
using Hotline.Federation.OfficerConsole;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.Pages.Console;

/// <summary>
/// Base of every console page: signed-in staff only (else the login page), and only officers and admins at a province
/// or the ministry (403 for anyone else, a city's staff included).
/// </summary>
[Authorize(Policy = HotlinePolicies.Staff)]
internal abstract class ConsolePageModel : PageModel
{
    /// <summary>This node.</summary>
    public NodeOptions Self => HttpContext.RequestServices.GetRequiredService<IOptions<NodeOptions>>().Value;

    /// <summary>Now, by the node's clock.</summary>
    public DateTimeOffset Now => HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();

    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ConsoleAccess.Allows(User, Self))
        {
            context.Result = new StatusCodeResult(StatusCodes.Status403Forbidden);
        }
    }

    /// <summary>An instant as people here read it (China time).</summary>
    public static string Local(DateTimeOffset? at) =>
        at is { } t ? t.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";

    /// <summary>The time left until <paramref name="deadline"/> (negative: overdue), as the SLA clock shows it.</summary>
    public static string Clock(DateTimeOffset? deadline, DateTimeOffset now)
    {
        if (deadline is not { } d)
        {
            return "—";
        }

        var left = d - now;
        var sign = left < TimeSpan.Zero ? "-" : string.Empty;
        var a = left.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{(int)a.TotalDays}d {a.Hours:D2}h");
    }

    /// <summary>The pager of a list page.</summary>
    public Pager PagerOf(int page, int pages) => new(page, pages,
        page > 1 ? With("p", (page - 1).ToString(CultureInfo.InvariantCulture)) : null,
        page < pages ? With("p", (page + 1).ToString(CultureInfo.InvariantCulture)) : null);

    /// <summary>A query string for the same list with one value changed (paging and sort links).</summary>
    public string With(string key, string value)
    {
        var q = Request.Query.ToDictionary(k => k.Key, k => k.Value.ToString(), StringComparer.Ordinal);
        q[key] = value;
        return "?" + string.Join("&", q.Where(kv => kv.Value.Length > 0).Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
    }
}

/// <summary>Page links of a list.</summary>
internal sealed record Pager(int Page, int Pages, string? Prev, string? Next);
