using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Ticketing.Cases;
using Hotline.Ticketing.Cases.Accept;
using Hotline.Ticketing.Cases.Act;
using Hotline.Ticketing.Cases.Attach;
using Hotline.Ticketing.Cases.Get;
using Hotline.Ticketing.Domain;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Hotline.Ticketing.Api;

/// <summary>HTTP face of the module: the public case API (docs/architecture.md, "Outside interfaces") and the staff API.</summary>
internal static class TicketingEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Ticketing");

        api.MapPost("/cases", CreatePublicAsync).AllowAnonymous().RequirePublicRateLimit(PublicRateLimits.CaseFiling)
            .WithName("CreateCase").WithSummary("Citizen submits a case (web/app); returns its number and query code.")
            .Produces(StatusCodes.Status201Created).ProducesValidationProblem();
        api.MapGet("/cases/{caseNumber}", GetAsync).AllowAnonymous().RequirePublicRateLimit(PublicRateLimits.CaseQuery)
            .WithName("GetCase").WithSummary("With ?queryCode=: the citizen's view (anonymous). Without: the staff view (authorized).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/cases/{caseNumber}/attachments", AttachAsync).AllowAnonymous().RequirePublicRateLimit(PublicRateLimits.CaseFiling)
            .DisableAntiforgery()
            .WithName("AddCaseAttachment")
            .WithSummary("Attach a file (multipart field 'file'): the citizen with ?queryCode=, or staff. jpeg, png, pdf, wav, mp3, mp4; size-limited.");

        var staff = api.MapGroup("").RequireAuthorization(HotlinePolicies.Staff);
        staff.MapGet("/cases/{caseNumber}/attachments/{id:long}", DownloadAsync).WithName("GetCaseAttachment").WithSummary("Download an attachment (audited).");
        staff.MapGet("/cases/{caseNumber}/recording", RecordingAsync).WithName("GetCaseRecording")
            .WithSummary("The call recording linked to the case (audio/wav, range requests; audited); 404 when there is none.")
            .Produces(StatusCodes.Status200OK, contentType: "audio/wav").ProducesProblem(StatusCodes.Status404NotFound);
        staff.MapGet("/cases", SearchAsync).WithName("SearchCases").WithSummary("Search and filter cases (status, type, q, overdue, unit, major).");
        staff.MapPost("/cases/import", ImportAsync).WithName("ImportCases")
            .WithSummary("历史工单导入 (administrators, the node's demo client): idempotent by externalId; good rows stored, each refused row named with its field and reason.")
            .Produces(StatusCodes.Status200OK).ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        staff.MapPost("/staff/cases", CreateStaffAsync).WithName("AcceptCase").WithSummary("An agent accepts a case from any channel.");
        staff.MapGet("/cases/{caseNumber}/duplicates", DuplicatesAsync).WithName("GetCaseDuplicates")
            .WithSummary("Likely duplicates, best first, each with caseNumber and score (0–1).");
        staff.MapPost("/cases/{caseNumber}/actions/{action}", ActAsync).WithName("TakeCaseAction")
            .WithSummary("dispatch, reassign, receive, return, reply, approveReply, rejectReply, answerImmediately, returnVisit, archive, suspend, resume, requestExtension, approveExtension, rejectExtension, transferOut, merge, unmerge.");
        staff.MapPost("/cases/{caseNumber}/major", MajorAsync).WithName("FlagMajorCase").WithSummary("重大投诉: flag a case major.");
        staff.MapPost("/cases/{caseNumber}/urge", (string caseNumber, NoteRequest body, HttpContext http, TakeActionHandler h, CancellationToken ct) =>
            RemindAsync(caseNumber, false, body, http, h, ct)).WithName("UrgeCase").WithSummary("催办");
        staff.MapPost("/cases/{caseNumber}/supervise", (string caseNumber, NoteRequest body, HttpContext http, TakeActionHandler h, CancellationToken ct) =>
            RemindAsync(caseNumber, true, body, http, h, ct)).WithName("SuperviseCase").WithSummary("督办");
        staff.MapGet("/cases/{caseNumber}/audit", AuditAsync).WithName("GetCaseAudit").WithSummary("The audit trail of a case (administrators, inspectors).");
        staff.MapGet("/enterprise/cases", EnterpriseCasesAsync).WithName("GetEnterpriseCases").WithSummary("企业直通车: the cases routed to the caller's enterprise.");
    }

    private static async Task<IResult> CreatePublicAsync(HttpContext http, AcceptCaseHandler handler, CancellationToken ct)
    {
        var body = await ReadBodyAsync(http, ct);
        if (body.Error is not null)
        {
            return ResultHttp.ToProblem(body.Error);
        }

        var parsed = CaseRequests.Read(body.Value, staff: false);
        if (parsed.Errors.Count > 0)
        {
            return ResultHttp.ToProblem(await handler.NameEveryBadFieldAsync(parsed.Command, parsed.Errors, ct));
        }

        var actor = Actor.Public with { RemoteAddress = http.Connection.RemoteIpAddress?.ToString() };
        var result = await handler.AcceptAsync(parsed.Command, parsed.Extras, actor, ct);
        return result.Match(
            ok => Results.Created($"/api/v1/cases/{ok.CaseNumber}", new { caseNumber = ok.CaseNumber, queryCode = ok.QueryCode }),
            e => e.ToProblem());
    }

    private static async Task<IResult> CreateStaffAsync(HttpContext http, AcceptCaseHandler handler, CancellationToken ct)
    {
        var actor = ActorOf(http);
        if (!actor.Roles.Any(r => r is HotlineRoles.Agent or HotlineRoles.TeamLead or HotlineRoles.Administrator))
        {
            return ResultHttp.ToProblem(Error.Forbidden("accept.forbidden", "Only agents, team leads and administrators accept cases."));
        }

        var body = await ReadBodyAsync(http, ct);
        if (body.Error is not null)
        {
            return ResultHttp.ToProblem(body.Error);
        }

        var parsed = CaseRequests.Read(body.Value, staff: true);
        if (parsed.Errors.Count > 0)
        {
            return ResultHttp.ToProblem(await handler.NameEveryBadFieldAsync(parsed.Command, parsed.Errors, ct));
        }

        var result = await handler.AcceptAsync(parsed.Command, parsed.Extras, actor, ct);
        return result.Match(
            ok => Results.Created($"/api/v1/cases/{ok.CaseNumber}", new { caseNumber = ok.CaseNumber, queryCode = ok.QueryCode }),
            e => e.ToProblem());
    }

    private static async Task<IResult> ImportAsync(HttpContext http, ICaseHistoryImport import, CancellationToken ct)
    {
        var actor = ActorOf(http);
        if (!actor.Is(HotlineRoles.Administrator))
        {
            return ResultHttp.ToProblem(Error.Forbidden("import.forbidden", "Only administrators (or the node's operations client) import case history."));
        }

        var body = await ReadBodyAsync(http, ct);
        if (body.Error is not null)
        {
            return ResultHttp.ToProblem(body.Error);
        }

        var read = ImportRequests.Read(body.Value);
        if (!read.IsSuccess)
        {
            return ResultHttp.ToProblem(read.Error!);
        }

        var (rows, typeErrors) = read.Value;
        var result = await import.ImportAsync(rows.ConvertAll(r => r!), actor.Id, ct);
        return result.Match(ok =>
        {
            // Rows refused while reading (a value that is not text) are reported with the handler's, in row order.
            var refused = typeErrors.Count == 0 ? ok.Refused : ok.Refused.Where(r => !typeErrors.Any(t => t.Index == r.Index))
                .Concat(typeErrors).OrderBy(r => r.Index).ToList();
            return Results.Ok(new
            {
                imported = ok.Imported,
                unchanged = ok.Unchanged,
                refused = refused.Select(r => new { index = r.Index, field = r.Field, reason = r.Reason }),
            });
        }, e => e.ToProblem());
    }

    private static async Task<IResult> GetAsync(string caseNumber, [FromQuery] string? queryCode, HttpContext http, CaseQueries queries,
        IAuthorizationPolicyProvider policies, IPolicyEvaluator evaluator, CancellationToken ct)
    {
        if (queryCode is not null)
        {
            return (await queries.GetPublicAsync(caseNumber, queryCode, ct)).Match(Results.Ok, e => e.ToProblem());
        }

        var denied = await AuthorizeStaffAsync(http, policies, evaluator);
        return denied ?? (await queries.GetStaffAsync(caseNumber, ActorOf(http), ct)).Match(Results.Ok, e => e.ToProblem());
    }

    /// <summary>Runs the staff policy on an endpoint that also serves anonymous citizens; null when allowed.</summary>
    private static async Task<IResult?> AuthorizeStaffAsync(HttpContext http, IAuthorizationPolicyProvider policies, IPolicyEvaluator evaluator)
    {
        var policy = await policies.GetPolicyAsync(HotlinePolicies.Staff)
                     ?? throw new InvalidOperationException($"Authorization policy '{HotlinePolicies.Staff}' is not registered.");
        var authentication = await evaluator.AuthenticateAsync(policy, http);
        var authorization = await evaluator.AuthorizeAsync(policy, authentication, http, null);
        if (authorization.Challenged)
        {
            return Results.Challenge();
        }

        return authorization.Forbidden ? Results.Forbid() : null;
    }

    private static async Task<IResult> AttachAsync(string caseNumber, [FromQuery] string? queryCode, HttpContext http,
        AddAttachmentHandler handler, IAuthorizationPolicyProvider policies, IPolicyEvaluator evaluator, CancellationToken ct)
    {
        Actor actor;
        Func<WorkOrder, bool> mayAttach;
        if (queryCode is not null)
        {
            actor = Actor.Public with { RemoteAddress = http.Connection.RemoteIpAddress?.ToString() };
            mayAttach = o => o.IsOpen && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(o.QueryCode),
                Encoding.UTF8.GetBytes(queryCode.Trim().ToUpperInvariant()));
        }
        else
        {
            var denied = await AuthorizeStaffAsync(http, policies, evaluator);
            if (denied is not null)
            {
                return denied;
            }

            actor = ActorOf(http);
            mayAttach = o => Visibility.MayAct(actor, o);
        }

        if (!http.Request.HasFormContentType)
        {
            return ResultHttp.ToProblem(Error.Validation(new Dictionary<string, string[]> { ["file"] = ["Send multipart/form-data with a 'file' part."] }));
        }

        var form = await http.Request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file");
        if (file is null)
        {
            return ResultHttp.ToProblem(Error.Validation(new Dictionary<string, string[]> { ["file"] = ["The 'file' part is missing."] }));
        }

        await using var stream = file.OpenReadStream();
        var result = await handler.HandleAsync(new AddAttachment(caseNumber, file.FileName, file.ContentType, stream, file.Length), actor, mayAttach, ct);
        return result.Match(a => Results.Created($"/api/v1/cases/{caseNumber}/attachments/{a.Id}", a), e => e.ToProblem());
    }

    private static async Task<IResult> DownloadAsync(string caseNumber, long id, HttpContext http, CaseQueries queries, CancellationToken ct)
    {
        var result = await queries.AttachmentAsync(caseNumber, id, ActorOf(http), ct);
        if (!result.IsSuccess)
        {
            return ResultHttp.ToProblem(result.Error!);
        }

        http.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.File(result.Value.Content, result.Value.ContentType, result.Value.FileName);
    }

    private static async Task<IResult> RecordingAsync(string caseNumber, HttpContext http, CaseQueries queries, CancellationToken ct)
    {
        var result = await queries.RecordingAsync(caseNumber, ActorOf(http), ct);
        return result.IsSuccess
            ? Results.File(result.Value.Path, result.Value.ContentType, enableRangeProcessing: true)
            : ResultHttp.ToProblem(result.Error!);
    }

    private static async Task<IResult> SearchAsync(HttpContext http, CaseQueries queries, string? status, string? type, string? q,
        bool? overdue, string? unit, bool? major, int? page, int? pageSize, CancellationToken ct)
    {
        var (items, total) = await queries.SearchAsync(new CaseFilter(status, type, q, overdue ?? false, unit, major ?? false, page ?? 1, pageSize ?? 50),
            ActorOf(http), ct);
        return Results.Ok(new { total, items });
    }

    private static async Task<IResult> EnterpriseCasesAsync(HttpContext http, CaseQueries queries, string? status, CancellationToken ct)
    {
        var actor = ActorOf(http);
        if (!actor.Is(HotlineRoles.Enterprise) || actor.Enterprise is null)
        {
            return ResultHttp.ToProblem(Error.Forbidden("enterprise.only", "This list is for 企业直通车 accounts bound to an enterprise."));
        }

        var (items, total) = await queries.SearchAsync(new CaseFilter(status ?? "open"), actor with { Roles = [HotlineRoles.Enterprise] }, ct);
        return Results.Ok(new { total, items });
    }

    private static async Task<IResult> DuplicatesAsync(string caseNumber, HttpContext http, CaseQueries queries, CancellationToken ct) =>
        (await queries.DuplicatesAsync(caseNumber, ActorOf(http), ct)).Match(
            list => Results.Ok(list.Select(d => new { caseNumber = d.CaseNumber, score = d.Score })),
            e => e.ToProblem());

    private static async Task<IResult> ActAsync(string caseNumber, string action, ActionRequest? body, HttpContext http,
        TakeActionHandler handler, CaseQueries queries, CancellationToken ct)
    {
        if (!JsonNames.TryParse<CaseAction>(action, out var caseAction))
        {
            return ResultHttp.ToProblem(Error.NotFound("action.unknown", $"There is no action '{action}'."));
        }

        body ??= new ActionRequest();
        Satisfaction? satisfaction = null;
        if (body.Satisfaction is not null)
        {
            if (!JsonNames.TryParse<Satisfaction>(body.Satisfaction, out var s))
            {
                return ResultHttp.ToProblem(Error.Validation(new Dictionary<string, string[]>
                {
                    ["satisfaction"] = ["Must be satisfied, basicallySatisfied or dissatisfied."],
                }));
            }

            satisfaction = s;
        }

        var input = new ActionInput(body.Unit, body.UnitIsEnterprise, body.Reason, body.Text, satisfaction, body.Days, body.TargetNode,
            body.MasterCaseNumber, body.DiscloseToEnterprise);
        var actor = ActorOf(http);
        var result = await handler.HandleAsync(new TakeAction(caseNumber, caseAction, input), actor, ct);
        if (!result.IsSuccess)
        {
            return ResultHttp.ToProblem(result.Error!);
        }

        return (await queries.GetStaffAsync(caseNumber, actor, ct)).Match(Results.Ok, e => e.ToProblem());
    }

    private static async Task<IResult> MajorAsync(string caseNumber, NoteRequest body, HttpContext http, TakeActionHandler handler,
        CaseQueries queries, CancellationToken ct)
    {
        var actor = ActorOf(http);
        var result = await handler.FlagMajorAsync(caseNumber, body.Reason ?? body.Text ?? "", actor, ct);
        return result.IsSuccess ? (await queries.GetStaffAsync(caseNumber, actor, ct)).Match(Results.Ok, e => e.ToProblem()) : ResultHttp.ToProblem(result.Error!);
    }

    private static async Task<IResult> RemindAsync(string caseNumber, bool supervise, NoteRequest body, HttpContext http, TakeActionHandler handler,
        CancellationToken ct)
    {
        var result = await handler.RemindAsync(caseNumber, supervise, body.Text ?? body.Reason, ActorOf(http), ct);
        return result.Match(o => Results.Ok(new { caseNumber = o.CaseNumber, urgeCount = o.UrgeCount, superviseCount = o.SuperviseCount }), e => e.ToProblem());
    }

    private static async Task<IResult> AuditAsync(string caseNumber, HttpContext http, CaseQueries queries, CancellationToken ct)
    {
        var actor = ActorOf(http);
        if (!actor.Roles.Any(r => r is HotlineRoles.Administrator or HotlineRoles.QualityInspector))
        {
            return ResultHttp.ToProblem(Error.Forbidden("audit.forbidden", "Only administrators and quality inspectors read the audit trail."));
        }

        var rows = await queries.AuditAsync(caseNumber, ct);
        return Results.Ok(rows.Select(a => new { a.At, a.Actor, a.Roles, a.Action, a.CaseNumber, a.Detail, a.RemoteAddress }));
    }

    internal static Actor ActorOf(HttpContext http) => Actor.From(http.User, http.Connection.RemoteIpAddress?.ToString());

    private static async Task<Result<JsonObject?>> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.HasJsonContentType())
        {
            return Error.Validation(new Dictionary<string, string[]> { ["body"] = ["Send application/json."] });
        }

        try
        {
            var node = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct);
            return node is JsonObject obj
                ? Result<JsonObject?>.Success(obj)
                : Error.Validation(new Dictionary<string, string[]> { ["body"] = ["A JSON object is required."] });
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["body"] = [$"Malformed JSON: {ex.Message}"] });
        }
    }
}
