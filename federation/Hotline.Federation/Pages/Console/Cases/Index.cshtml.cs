using Hotline.Federation.OfficerConsole;
using Hotline.Federation.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace Hotline.Federation.Pages.Console.Cases;

/// <summary>
/// 上报工单: the cases reported up from this node's subtree, with filters (node, status, type, category, channel, dates,
/// overdue, major, text), sort, paging, and an Excel export of the same filter (at most <see cref="ExportLimit"/> rows).
/// A node outside the subtree is refused (403), never shown as empty.
/// </summary>
internal sealed class IndexModel(ConsoleQueries queries) : ConsolePageModel
{
    public const int ExportLimit = 100_000;

    public static readonly string[] Statuses =
        ["open", "accepted", "dispatched", "handling", "replied", "closed", "visited", "archived", "returned", "suspended", "transferredOut", "merged"];

    public static readonly string[] Types = ["complaint", "report", "inquiry", "suggestion", "help", "praise"];

    public static readonly string[] Channels = ["phone", "web", "app", "weChat", "sms", "email", "transfer", "assignment", "enterprise", "voicemail"];

    [BindProperty(SupportsGet = true)] public string? Node { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Type { get; set; }
    [BindProperty(SupportsGet = true)] public string? Category { get; set; }
    [BindProperty(SupportsGet = true)] public string? Channel { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }
    [BindProperty(SupportsGet = true)] public bool Overdue { get; set; }
    [BindProperty(SupportsGet = true)] public bool Major { get; set; }
    [BindProperty(SupportsGet = true, Name = "q")] public string? Text { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public PageOf<ReportedCase> Result { get; private set; } = new([], 0, 1, 50);

    public string? Problem { get; private set; }

    private ReportedFilter Filter => new(Node, Status, Type, Category, Channel, From, To, Overdue, Major, Text,
        Sort is { } s && ReportedFilter.Sorts.Contains(s) ? s : ReportedFilter.Newest, PageNumber);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var result = await queries.ReportedAsync(Filter, ct);
        if (!result.IsSuccess)
        {
            Problem = result.Error!.Message;
            Response.StatusCode = result.Error.Kind == Hotline.SharedKernel.ErrorKind.Forbidden ? 403 : 400;
            return Page();
        }

        Result = result.Value;
        return Page();
    }

    public async Task<IActionResult> OnGetExportAsync(CancellationToken ct)
    {
        var query = queries.Filtered(Filter);
        if (!query.IsSuccess)
        {
            return StatusCode(query.Error!.Kind == Hotline.SharedKernel.ErrorKind.Forbidden ? 403 : 400, query.Error.Message);
        }

        var rows = await query.Value.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.CaseNumber).Take(ExportLimit).ToListAsync(ct);
        var sheet = rows.Select(r => new Dictionary<string, object?>
        {
            ["工单号"] = r.CaseNumber,
            ["地市"] = r.CityNode,
            ["类型"] = r.Type,
            ["类别"] = r.Category,
            ["渠道"] = r.Channel,
            ["标题"] = r.Title,
            ["来电（脱敏）"] = Hotline.SharedKernel.Masking.Phone(r.MaskedPhone),
            ["状态"] = r.Status,
            ["受理时间"] = Local(r.CreatedAt),
            ["办理时限"] = Local(r.Deadline),
            ["重大"] = r.Major ? "是" : "否",
            ["更新时间"] = Local(r.UpdatedAt),
        });
        var stream = new MemoryStream();
        await stream.SaveAsAsync(sheet, sheetName: "上报工单", cancellationToken: ct);
        stream.Position = 0;
        return File(stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            $"reported-cases-{Self.Id}-{Now.ToOffset(TimeSpan.FromHours(8)):yyyyMMddHHmm}.xlsx");
    }
}
