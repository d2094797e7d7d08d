using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Grpc.Core;
using Hotline.Federation.Detail.V1;
using Hotline.Federation.Persistence;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.Detail;

/// <summary>One line of a case's history in the REST answer.</summary>
public sealed record CaseDetailTimelineView(DateTimeOffset At, string Kind, string? Status, string Text, string? Comment, string? Actor);

/// <summary>
/// 工单详情 as a superior sees it (<c>GET /api/v1/federation/cases/{caseNumber}/detail</c>): the owning city's case with
/// the phone masked, no name and no recording; <c>Via</c> is the route the read took (requester first).
/// </summary>
public sealed record CaseDetailView(
    string CaseNumber, string Node, string Type, string? Category, string Channel, string Status, string StatusText,
    string Title, string Description, string CallerMasked, string? Location, DateTimeOffset? Deadline, DateTimeOffset CreatedAt,
    string? HandlingUnit, bool Major, string? Reply, string? OriginNode, string? OriginCaseNumber, IReadOnlyList<string> Via,
    IReadOnlyList<CaseDetailTimelineView> Timeline);

/// <summary>The REST face and the staff pages of 上级调阅 at provinces and the ministry.</summary>
internal static class CaseDetailEndpoints
{
    public const string DefaultReason = "上级调阅";

    public static void MapCaseDetailEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/federation/cases/{caseNumber}/detail", GetAsync)
            .RequireAuthorization(HotlinePolicies.Staff)
            .WithName("GetSubordinateCaseDetail")
            .WithTags("Federation: case detail")
            .WithSummary("上级调阅: a subordinate city's case, read on demand along the tree over gRPC (phone masked, audited at the city).")
            .WithDescription("Optional query 'reason' is written to the city's audit trail. 403: the case's city is not below this node; "
                             + "404: no such case or city; 502: a node on the way (province or city) is unreachable or has gRPC off.")
            .Produces<CaseDetailView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        app.MapGet("/federation/cases", ListPageAsync).RequireAuthorization(HotlinePolicies.Staff).ExcludeFromDescription();
        app.MapGet("/federation/cases/{caseNumber}", DetailPageAsync).RequireAuthorization(HotlinePolicies.Staff).ExcludeFromDescription();
    }

    /// <summary>Reads the case for the signed-in user of this node.</summary>
    internal static Task<CaseDetailReply> ReadAsync(CaseDetailReader reader, NodeOptions self, ClaimsPrincipal user, string caseNumber,
        string? reason, CancellationToken ct)
    {
        var request = new GetCaseDetailRequest
        {
            CaseNumber = caseNumber.Trim(),
            RequestedByNode = self.Id,
            RequestedByUser = user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "unknown",
            Reason = string.IsNullOrWhiteSpace(reason) ? DefaultReason : reason.Trim(),
        };
        return reader.ReadAsync(request, deadline: null, ct);
    }

    private static async Task<IResult> GetAsync(string caseNumber, string? reason, HttpContext http, CaseDetailReader reader,
        IOptions<NodeOptions> self, CancellationToken ct)
    {
        try
        {
            var reply = await ReadAsync(reader, self.Value, http.User, caseNumber, reason, ct);
            return Results.Ok(ToView(reply));
        }
        catch (RpcException ex)
        {
            return ErrorOf(ex).ToProblem(new Dictionary<string, object?> { ["caseNumber"] = caseNumber });
        }
    }

    /// <summary>A failed read as an <see cref="Error"/>: the gRPC status picks the kind, its detail is the message.</summary>
    internal static Error ErrorOf(RpcException ex)
    {
        var code = "detail." + ex.StatusCode.ToString().ToLowerInvariant();
        return ex.StatusCode switch
        {
            StatusCode.InvalidArgument => Error.Invalid(code, ex.Status.Detail),
            StatusCode.PermissionDenied => Error.Forbidden(code, ex.Status.Detail),
            StatusCode.NotFound => Error.NotFound(code, ex.Status.Detail),
            _ => Error.Unavailable(code, ex.Status.Detail),
        };
    }

    internal static CaseDetailView ToView(CaseDetailReply r) => new(
        r.CaseNumber, r.Node, r.Type, Empty(r.Category), r.Channel, r.Status, r.StatusText, r.Title, r.Description, r.CallerMasked,
        Empty(r.Location), r.Deadline?.ToDateTimeOffset(), r.CreatedAt.ToDateTimeOffset(), Empty(r.HandlingUnit), r.Major, Empty(r.Reply),
        Empty(r.OriginNode), Empty(r.OriginCaseNumber), [.. r.Via],
        [.. r.Timeline.Select(t => new CaseDetailTimelineView(t.At.ToDateTimeOffset(), t.Kind, Empty(t.Status), t.Text, Empty(t.Comment), Empty(t.Actor)))]);

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    private static async Task<IResult> ListPageAsync(HttpContext http, string? node, FederationDbContext db, IOptions<NodeOptions> self,
        CancellationToken ct)
    {
        var page = new Page(http, self.Value);
        var query = db.ReportedCases.AsNoTracking();
        if (node is not null && RegionCode.IsValid(node))
        {
            query = query.Where(c => c.CityNode == node);
        }

        var rows = await query.OrderByDescending(c => c.CaseNumber).Take(200).ToListAsync(ct);
        var html = page.Begin(page.T("上报工单", "Reported cases"));
        html.Append("<form method=\"get\"><label>").Append(page.E(page.T("地市代码", "City code"))).Append(" <input name=\"node\" pattern=\"[0-9]{6}\" value=\"")
            .Append(page.E(node ?? string.Empty)).Append("\"></label>").Append(page.LangField()).Append(" <button>").Append(page.E(page.T("筛选", "Filter")))
            .Append("</button></form>");
        html.Append("<table><thead><tr>");
        foreach (var h in new[] { page.T("工单号", "Case"), page.T("地市", "City"), page.T("类型", "Type"), page.T("标题", "Title"),
                     page.T("来电（脱敏）", "Caller (masked)"), page.T("状态", "Status"), page.T("受理时间", "Accepted"), string.Empty })
        {
            html.Append("<th scope=\"col\">").Append(page.E(h)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var r in rows)
        {
            html.Append("<tr><td>").Append(page.E(r.CaseNumber)).Append("</td><td>").Append(page.E(r.CityNode)).Append("</td><td>")
                .Append(page.E(r.Type)).Append("</td><td>").Append(page.E(r.Title)).Append("</td><td>").Append(page.E(Masking.Phone(r.MaskedPhone)))
                .Append("</td><td>").Append(page.E(r.Status)).Append("</td><td>").Append(page.E(r.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)))
                .Append("</td><td><a href=\"cases/").Append(page.E(Uri.EscapeDataString(r.CaseNumber))).Append(page.LangQuery('?')).Append("\">")
                .Append(page.E(page.T("详情", "Detail"))).Append("</a></td></tr>");
        }

        html.Append("</tbody></table>");
        return page.End(html, StatusCodes.Status200OK);
    }

    private static async Task<IResult> DetailPageAsync(HttpContext http, string caseNumber, string? reason, CaseDetailReader reader,
        IOptions<NodeOptions> self, CancellationToken ct)
    {
        var page = new Page(http, self.Value);
        var html = page.Begin(page.T("工单详情", "Case detail") + " " + caseNumber);
        html.Append("<p><a href=\"../cases").Append(page.LangQuery('?')).Append("\">").Append(page.E(page.T("返回上报工单", "Back to reported cases"))).Append("</a></p>");
        try
        {
            var r = ToView(await ReadAsync(reader, self.Value, http.User, caseNumber, reason, ct));
            html.Append("<dl>");
            void Item(string label, string? value) =>
                html.Append("<dt>").Append(page.E(label)).Append("</dt><dd>").Append(page.E(value ?? "—")).Append("</dd>");
            Item(page.T("工单号", "Case number"), r.CaseNumber);
            Item(page.T("所属地市", "City"), r.Node);
            Item(page.T("类型", "Type"), r.Type);
            Item(page.T("分类", "Category"), r.Category);
            Item(page.T("渠道", "Channel"), r.Channel);
            Item(page.T("状态", "Status"), page.En ? r.Status : r.StatusText);
            Item(page.T("标题", "Title"), r.Title);
            Item(page.T("诉求内容", "Description"), r.Description);
            Item(page.T("来电号码（脱敏）", "Caller (masked)"), r.CallerMasked);
            Item(page.T("地点", "Location"), r.Location);
            Item(page.T("受理时间", "Accepted"), r.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
            Item(page.T("办结时限", "Deadline"), r.Deadline?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
            Item(page.T("承办单位", "Handling unit"), r.HandlingUnit);
            Item(page.T("答复", "Reply"), r.Reply);
            Item(page.T("调阅路径", "Read via"), string.Join(" → ", r.Via));
            html.Append("</dl><h2>").Append(page.E(page.T("办理记录", "Handling records"))).Append("</h2><table><thead><tr>");
            foreach (var h in new[] { page.T("时间", "At"), page.T("环节", "Step"), page.T("说明", "Comment"), page.T("经办", "By") })
            {
                html.Append("<th scope=\"col\">").Append(page.E(h)).Append("</th>");
            }

            html.Append("</tr></thead><tbody>");
            foreach (var t in r.Timeline)
            {
                html.Append("<tr><td>").Append(page.E(t.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))).Append("</td><td>")
                    .Append(page.E(page.En ? t.Kind : t.Text)).Append("</td><td>").Append(page.E(t.Comment ?? string.Empty)).Append("</td><td>")
                    .Append(page.E(t.Actor ?? string.Empty)).Append("</td></tr>");
            }

            html.Append("</tbody></table><p>").Append(page.E(page.T("本次调阅已记入该市的审计日志。", "This read is recorded in the city's audit log."))).Append("</p>");
            return page.End(html, StatusCodes.Status200OK);
        }
        catch (RpcException ex)
        {
            var status = ErrorOf(ex).Kind.StatusCode();
            var what = status switch
            {
                StatusCodes.Status403Forbidden => page.T("无权调阅：该工单不属于本级管辖的地市。", "Not allowed: the case's city is not under this node."),
                StatusCodes.Status404NotFound => page.T("未找到该工单。", "No such case."),
                StatusCodes.Status400BadRequest => page.T("工单号格式不正确。", "Not a case number."),
                _ => page.T("下级节点暂时无法访问，请稍后重试。", "A node on the way is unreachable; try again later."),
            };
            html.Append("<p role=\"alert\"><strong>").Append(page.E(what)).Append("</strong></p><p>").Append(page.E(ex.Status.Detail)).Append("</p>");
            return page.End(html, status);
        }
    }

    /// <summary>A minimal staff page: zh-CN by default, en-US with <c>?lang=en-US</c>, every value HTML-encoded.</summary>
    private sealed class Page(HttpContext http, NodeOptions node)
    {
        private readonly HtmlEncoder _encoder = HtmlEncoder.Create(UnicodeRanges.All);

        public bool En { get; } = http.Request.Query["lang"] == "en-US";

        public string T(string zh, string en) => En ? en : zh;

        public string E(string value) => _encoder.Encode(value);

        public string LangQuery(char separator) => En ? separator + "lang=en-US" : string.Empty;

        public string LangField() => En ? "<input type=\"hidden\" name=\"lang\" value=\"en-US\">" : string.Empty;

        public StringBuilder Begin(string title)
        {
            var html = new StringBuilder();
            html.Append(CultureInfo.InvariantCulture, $"<!doctype html><html lang=\"{(En ? "en-US" : "zh-CN")}\"><head><meta charset=\"utf-8\"><title>{E(title)} · {E(node.Name)}</title></head><body><main>");
            html.Append(CultureInfo.InvariantCulture, $"<h1>{E(title)} · {E(node.Name)} ({E(node.Id)})</h1>");
            return html;
        }

        public IResult End(StringBuilder html, int status)
        {
            html.Append("</main></body></html>");
            return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
        }
    }
}
