using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hotline.Federation.Operations;

/// <summary>Body of the replay action: the dead letters to move back to the inbox.</summary>
public sealed record ReplayRequest(IReadOnlyList<Guid> Ids);

/// <summary>Operator API and page: <c>/api/v1/federation/*</c> and <c>/ops/federation</c> (administrators).</summary>
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

        app.MapGet("/ops/federation", PageAsync).RequireAuthorization(HotlinePolicies.Admin).ExcludeFromDescription();
        app.MapPost("/ops/federation/replay", ReplayFromPageAsync).RequireAuthorization(HotlinePolicies.Admin).ExcludeFromDescription().DisableAntiforgery();
    }

    private static async Task<IResult> ReplayFromPageAsync(HttpContext context, IAntiforgery antiforgery, FederationOperations ops, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Error.Invalid("antiforgery", "Antiforgery token missing or invalid: reload the page and try again.").ToProblem();
        }

        var form = await context.Request.ReadFormAsync(ct);
        var ids = form["id"].Select(v => Guid.TryParse(v, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToList();
        if (ids.Count > 0)
        {
            await ops.ReplayAsync(ids, ct);
        }

        return Results.Redirect("/ops/federation");
    }

    private static async Task<IResult> PageAsync(HttpContext context, IAntiforgery antiforgery, FederationOperations ops,
        IOptions<NodeOptions> node, CancellationToken ct)
    {
        var en = context.Request.Query["lang"] == "en-US";
        string T(string zh, string english) => en ? english : zh;
        var enc = HtmlEncoder.Create(UnicodeRanges.All);
        var queues = await ops.QueuesAsync(ct);
        var dead = await ops.DeadLettersAsync(200, ct);
        var refused = await ops.RefusedAsync(50, ct);
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<!doctype html><html lang=\"{(en ? "en-US" : "zh-CN")}\"><head><meta charset=\"utf-8\"><title>{enc.Encode(T("联网队列", "Federation queues"))} · {enc.Encode(node.Value.Name)}</title></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>{enc.Encode(T("联网消息队列", "Federation queues"))} · {enc.Encode(node.Value.Name)} ({enc.Encode(node.Value.Id)})</h1>");
        html.Append("<table><tbody>");
        Row(html, enc, T("待接收（入站）", "Incoming"), queues.Incoming.ToString(CultureInfo.InvariantCulture));
        Row(html, enc, T("待发送（出站）", "Outgoing"), queues.Outgoing.ToString(CultureInfo.InvariantCulture));
        Row(html, enc, T("定时（超时）", "Scheduled"), queues.Scheduled.ToString(CultureInfo.InvariantCulture));
        Row(html, enc, T("死信", "Dead letters"), queues.DeadLetters.ToString(CultureInfo.InvariantCulture));
        Row(html, enc, T("拒收", "Refused"), queues.Refused.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in queues.Counters)
        {
            Row(html, enc, name, value.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var d in queues.OutgoingByDestination)
        {
            Row(html, enc, T("出站至 ", "Outgoing to ") + d.Destination, d.Count.ToString(CultureInfo.InvariantCulture));
        }

        html.Append("</tbody></table>");
        html.Append(CultureInfo.InvariantCulture, $"<h2>{enc.Encode(T("死信（含原因）", "Dead letters with reason"))}</h2>");
        html.Append("<form method=\"post\" action=\"/ops/federation/replay\">");
        html.Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{enc.Encode(tokens.FormFieldName)}\" value=\"{enc.Encode(tokens.RequestToken ?? string.Empty)}\">");
        html.Append(CultureInfo.InvariantCulture, $"<table><thead><tr><th>{enc.Encode(T("选择", "Select"))}</th><th>{enc.Encode(T("消息类型", "Message type"))}</th><th>{enc.Encode(T("原因", "Reason"))}</th><th>{enc.Encode(T("时间", "Sent"))}</th></tr></thead><tbody>");
        foreach (var d in dead)
        {
            var id = d.Id.ToString();
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><label><input type=\"checkbox\" name=\"id\" value=\"{id}\"> {enc.Encode(id)}</label></td><td>{enc.Encode(d.MessageType)}</td><td>{enc.Encode(d.Reason)}</td><td>{d.SentAt:u}</td></tr>");
        }

        html.Append(CultureInfo.InvariantCulture, $"</tbody></table><button type=\"submit\">{enc.Encode(T("重放所选", "Replay selected"))}</button></form>");
        html.Append(CultureInfo.InvariantCulture, $"<h2>{enc.Encode(T("拒收的入站请求", "Refused inbound requests"))}</h2><ul>");
        foreach (var r in refused)
        {
            html.Append(CultureInfo.InvariantCulture, $"<li>{r.At:u} — {enc.Encode(r.Reason)} — {enc.Encode(r.MessageTypes ?? "?")} ×{r.Envelopes}</li>");
        }

        html.Append("</ul></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static void Row(StringBuilder html, HtmlEncoder enc, string label, string value) =>
        html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{enc.Encode(label)}</th><td>{enc.Encode(value)}</td></tr>");
}
