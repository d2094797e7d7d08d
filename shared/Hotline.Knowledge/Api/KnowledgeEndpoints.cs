using System.Globalization;
using Hotline.Knowledge.Articles;
using Hotline.Knowledge.Articles.Editing;
using Hotline.Knowledge.Articles.Reading;
using Hotline.Knowledge.Articles.Review;
using Hotline.Knowledge.Articles.Versions;
using Hotline.Knowledge.Content;
using Hotline.Knowledge.Domain;
using Hotline.Knowledge.Import;
using Hotline.Knowledge.Search;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hotline.Knowledge.Api;

internal sealed record ImportRequest(string? Library, bool Publish, IReadOnlyList<ImportArticle>? Articles);

internal sealed record ArticleRequest(string? Library, string? Code, string? Title, string? Body, string? Category, string? Region,
    DateOnly? ValidFrom, DateOnly? ValidTo, IReadOnlyList<string>? Keywords, string? Enterprise, string? Route, int? Revision)
{
    public ArticleInput Input() => new(Code, Title, Body, Category, Region, ValidFrom, ValidTo, Keywords, Enterprise, Route);
}

internal sealed record CommentRequest(string? Comment);

internal sealed record ApproveRequest(string? Comment, DateTimeOffset? PublishAt, DateTimeOffset? ExpireAt);

internal sealed record SynonymsRequest(IReadOnlyList<string>? Groups);

/// <summary>HTTP face of the knowledge module: public search (CONTRACTS.md), the import, and the staff API.</summary>
internal static class KnowledgeEndpoints
{
    /// <summary>The name of the anonymous search's limit in <c>RateLimiting:Public:Endpoints</c>.</summary>
    public const string PublicSearchLimit = "knowledge-search";

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/knowledge").WithTags("Knowledge");
        api.MapGet("/search", SearchAsync).AllowAnonymous().RequirePublicRateLimit(PublicSearchLimit)
            .WithName("SearchKnowledge")
            .WithSummary("Search, best first: anonymous over the public library faq, staff over their libraries. q, library, category, region, valid (current|all|YYYY-MM-DD), limit.");

        var staff = api.MapGroup("").RequireAuthorization(HotlinePolicies.Staff);
        staff.MapPost("/import", ImportAsync).WithName("ImportKnowledge")
            .WithSummary("Import articles into a library (editor or admin), idempotent by code; publish: true puts them online.");
        staff.MapPost("/import/file", ImportFileAsync).DisableAntiforgery().WithName("ImportKnowledgeFile")
            .WithSummary("Import a .docx, .xlsx or Markdown file (multipart: file, library, publish); a corrupt file is refused whole.");
        staff.MapGet("/libraries", async (HttpContext http, KnowledgeReader reader, CancellationToken ct) =>
            TypedResults.Ok(new { items = (await reader.LibrariesAsync(KnowledgeActor.From(http.User), ct)).Select(l => new { code = l.Code, name = l.Name, nameEn = l.NameEn, isPublic = l.IsPublic }) }))
            .WithName("ListKnowledgeLibraries").WithSummary("The libraries of this node.");
        staff.MapGet("/libraries/{library}/export", ExportAsync).WithName("ExportKnowledgeLibrary")
            .WithSummary("A library's articles as format=docx|xlsx|md (the working copies; published only with online=true).");
        staff.MapGet("/articles", ListAsync).WithName("ListKnowledgeArticles").WithSummary("Articles, newest change first (library, status).");
        staff.MapPost("/articles", CreateAsync).WithName("CreateKnowledgeArticle").WithSummary("A new draft (editors).");
        staff.MapGet("/articles/{id:long}", GetAsync).WithName("GetKnowledgeArticle").WithSummary("The working copy and the online version, rendered.");
        staff.MapPut("/articles/{id:long}", SaveAsync).WithName("SaveKnowledgeArticle").WithSummary("Save the working copy (only when checked out by the caller).");
        staff.MapPost("/articles/{id:long}/checkout", (long id, HttpContext http, ArticleEditor e, CancellationToken ct) =>
            Run(e.CheckOutAsync(id, Actor(http), ct))).WithName("CheckOutKnowledgeArticle").WithSummary("Check out (lock) for editing.");
        staff.MapPost("/articles/{id:long}/checkin", (long id, HttpContext http, ArticleEditor e, CancellationToken ct) =>
            Run(e.CheckInAsync(id, Actor(http), ct))).WithName("CheckInKnowledgeArticle").WithSummary("Check in (release the lock).");
        staff.MapPost("/articles/{id:long}/break-lock", (long id, CommentRequest body, HttpContext http, ArticleEditor e, CancellationToken ct) =>
            Run(e.BreakLockAsync(id, body.Comment, Actor(http), ct))).WithName("BreakKnowledgeLock").WithSummary("An administrator breaks another editor's lock (recorded with the reason).");
        staff.MapPost("/articles/{id:long}/submit", (long id, CommentRequest body, HttpContext http, ArticleReview r, CancellationToken ct) =>
            Run(r.SubmitAsync(id, body.Comment, Actor(http), ct))).WithName("SubmitKnowledgeArticle").WithSummary("Submit for review.");
        staff.MapPost("/articles/{id:long}/approve", (long id, ApproveRequest body, HttpContext http, ArticleReview r, CancellationToken ct) =>
            Run(r.ApproveAsync(id, body.PublishAt, body.ExpireAt, body.Comment, Actor(http), ct))).WithName("ApproveKnowledgeArticle")
            .WithSummary("Approve: published now as the next version, or at publishAt; expireAt schedules the expiry.");
        staff.MapPost("/articles/{id:long}/send-back", (long id, CommentRequest body, HttpContext http, ArticleReview r, CancellationToken ct) =>
            Run(r.SendBackAsync(id, body.Comment, Actor(http), ct))).WithName("SendBackKnowledgeArticle").WithSummary("Send back to the author with a comment.");
        staff.MapPost("/articles/{id:long}/expire", (long id, CommentRequest body, HttpContext http, ArticleReview r, CancellationToken ct) =>
            Run(r.ExpireAsync(id, body.Comment, Actor(http), ct))).WithName("ExpireKnowledgeArticle").WithSummary("Take offline as expired.");
        staff.MapPost("/articles/{id:long}/archive", (long id, CommentRequest body, HttpContext http, ArticleReview r, CancellationToken ct) =>
            Run(r.ArchiveAsync(id, body.Comment, Actor(http), ct))).WithName("ArchiveKnowledgeArticle").WithSummary("Archive (offline, kept for history).");
        staff.MapPost("/articles/{id:long}/reopen", (long id, HttpContext http, ArticleReview r, CancellationToken ct) =>
            Run(r.ReopenAsync(id, Actor(http), ct))).WithName("ReopenKnowledgeArticle").WithSummary("An archived article back to draft.");
        staff.MapGet("/articles/{id:long}/versions", async (long id, ArticleHistory h, CancellationToken ct) =>
            TypedResults.Ok(new { items = (await h.ListAsync(id, ct)).Select(VersionJson) })).WithName("ListKnowledgeVersions").WithSummary("Every published version, newest first.");
        staff.MapGet("/articles/{id:long}/versions/{number:int}", async (long id, int number, ArticleHistory h, MarkdownRenderer md, CancellationToken ct) =>
            (await h.GetAsync(id, number, ct)).ToHttpResult(v => TypedResults.Ok(new { version = VersionJson(v), body = v.Body, html = md.ToHtml(v.Body) })))
            .WithName("GetKnowledgeVersion").WithSummary("One version, rendered.");
        staff.MapGet("/articles/{id:long}/diff", async (long id, int from, int? to, ArticleHistory h, CancellationToken ct) =>
            (await h.CompareAsync(id, from, to ?? 0, ct)).ToHttpResult(c => TypedResults.Ok(new
            {
                from = c.From,
                to = c.To,
                fields = c.Fields.Select(f => new { field = f.Field, old = f.Old, @new = f.New }),
                lines = c.Body.Select(l => new { kind = l.Kind.ToString().ToLowerInvariant(), text = l.Text, oldLine = l.OldLine, newLine = l.NewLine }),
            }))).WithName("DiffKnowledgeVersions").WithSummary("Compare version from with version to (0 or absent: the working copy).");
        staff.MapPost("/articles/{id:long}/versions/{number:int}/restore", (long id, int number, HttpContext http, ArticleHistory h, CancellationToken ct) =>
            Run(h.RestoreAsync(id, number, Actor(http), ct))).WithName("RestoreKnowledgeVersion").WithSummary("Copy a version into the working copy (checked out by the caller).");
        staff.MapGet("/articles/{id:long}/events", async (long id, ArticleHistory h, CancellationToken ct) =>
            TypedResults.Ok(new { items = (await h.EventsAsync(id, ct)).Select(EventJson) })).WithName("GetKnowledgeAudit").WithSummary("The audit trail: every transition, lock and restore.");
        staff.MapPost("/articles/{id:long}/used", async (long id, KnowledgeReader reader, CancellationToken ct) =>
            (await reader.RecordUseAsync(id, ct)).ToHttpResult(n => TypedResults.Ok(new { uses = n })))
            .WithName("RecordKnowledgeUse").WithSummary("An agent used the article (ranking by use).");
        staff.MapGet("/synonyms", async (SynonymEditor s, CancellationToken ct) =>
            TypedResults.Ok(new { groups = (await s.ListAsync(ct)).Select(g => g.Terms) })).WithName("GetKnowledgeSynonyms").WithSummary("The synonym groups.");
        staff.MapPut("/synonyms", async (SynonymsRequest body, HttpContext http, SynonymEditor s, CancellationToken ct) =>
            (await s.ReplaceAsync(body.Groups, Actor(http), ct)).ToHttpResult(n => TypedResults.Ok(new { groups = n })))
            .WithName("PutKnowledgeSynonyms").WithSummary("Replace the synonym groups (editors).");
    }

    private static KnowledgeActor Actor(HttpContext http) => KnowledgeActor.From(http.User);

    private static async Task<IResult> Run(Task<Result<Article>> task) => (await task).ToHttpResult(a => TypedResults.Ok(ArticleJson(a)));

    private static async Task<IResult> SearchAsync(string? q, string? library, string? category, string? region, string? valid, int? limit,
        HttpContext http, KnowledgeReader reader, CancellationToken ct) =>
        (await reader.SearchAsync(q, library, category, region, valid, limit, Actor(http), ct)).ToHttpResult(hits => TypedResults.Ok(new
        {
            items = hits.Select(h => new
            {
                id = h.Id.ToString(CultureInfo.InvariantCulture),
                code = h.Code,
                title = h.Title,
                snippet = h.Snippet,
                library = h.Library,
                highlight = h.SnippetHtml,
                category = h.Category,
                region = h.Region,
                version = h.Version,
            }),
        }));

    private static async Task<IResult> ImportAsync(ImportRequest body, HttpContext http, ArticleImporter importer, IOptions<KnowledgeOptions> options,
        CancellationToken ct) =>
        (await importer.ImportAsync(body.Library, body.Publish, body.Articles, Actor(http), options.Value.MaxImportArticles, ct))
            .ToHttpResult(o => TypedResults.Ok(new { imported = o.Imported, unchanged = o.Unchanged, refused = o.Refused.Select(r => new { index = r.Index, reason = r.Reason }) }));

    private static async Task<IResult> ImportFileAsync(HttpContext http, ArticleImporter importer, IOptions<KnowledgeOptions> options, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return Error.Invalid("knowledge.import", "Send multipart/form-data with a file, the library and publish.").ToProblem();
        }

        var form = await http.Request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["file"] = ["Attach a .docx, .xlsx or .md file."] }).ToProblem();
        }

        if (file.Length > options.Value.MaxImportBytes)
        {
            return Error.Validation(new Dictionary<string, string[]> { ["file"] = [$"The file has {file.Length} bytes; at most {options.Value.MaxImportBytes}."] }).ToProblem();
        }

        await using var stream = file.OpenReadStream();
        var parsed = DocumentFormats.Read(file.FileName, stream);
        if (!parsed.IsSuccess)
        {
            return parsed.Error!.ToProblem();
        }

        var publish = bool.TryParse(form["publish"], out var p) && p;
        return (await importer.ImportAsync(form["library"], publish, parsed.Value, Actor(http), options.Value.MaxImportArticles, ct))
            .ToHttpResult(o => TypedResults.Ok(new { imported = o.Imported, unchanged = o.Unchanged, refused = o.Refused.Select(r => new { index = r.Index, reason = r.Reason }) }));
    }

    private static async Task<IResult> ExportAsync(string library, string? format, bool? online, KnowledgeReader reader, CancellationToken ct)
    {
        var articles = (await reader.ListAsync(library, null, 500, ct)).Where(a => online != true || a.Online).OrderBy(a => a.Code, StringComparer.Ordinal).ToList();
        var export = DocumentFormats.Write(format, library, articles);
        return export.ToHttpResult(f => TypedResults.File(f.Content, f.ContentType, f.FileName));
    }

    private static async Task<IResult> ListAsync(string? library, string? status, int? take, KnowledgeReader reader, CancellationToken ct)
    {
        ArticleStatus? s = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!Enum.TryParse<ArticleStatus>(status, ignoreCase: true, out var parsed))
            {
                return Error.Validation(new Dictionary<string, string[]> { ["status"] = [$"'{status}' is not one of draft, inReview, scheduled, published, expired, archived."] }).ToProblem();
            }

            s = parsed;
        }

        return TypedResults.Ok(new { items = (await reader.ListAsync(library, s, take ?? 100, ct)).Select(ArticleJson) });
    }

    private static async Task<IResult> CreateAsync(ArticleRequest body, HttpContext http, ArticleEditor editor, CancellationToken ct) =>
        (await editor.CreateAsync(body.Library ?? "", body.Input(), Actor(http), ct))
            .ToHttpResult(a => TypedResults.Created($"/api/v1/knowledge/articles/{a.Id}", ArticleJson(a)));

    private static async Task<IResult> SaveAsync(long id, ArticleRequest body, HttpContext http, ArticleEditor editor, CancellationToken ct) =>
        await Run(editor.SaveAsync(id, body.Input(), body.Revision, Actor(http), ct));

    private static async Task<IResult> GetAsync(long id, HttpContext http, KnowledgeReader reader, CancellationToken ct) =>
        (await reader.GetAsync(id, Actor(http), ct)).ToHttpResult(v => TypedResults.Ok(new
        {
            article = ArticleJson(v.Article),
            html = v.Html,
            live = v.Live is null ? null : VersionJson(v.Live),
            liveHtml = v.LiveHtml,
        }));

    internal static object ArticleJson(Article a) => new
    {
        id = a.Id,
        library = a.Library,
        code = a.Code,
        title = a.Title,
        body = a.Body,
        category = a.Category,
        region = a.Region,
        validFrom = a.ValidFrom,
        validTo = a.ValidTo,
        keywords = a.KeywordList,
        enterprise = a.Enterprise,
        route = a.Route,
        status = ArticleLifecycle.Json(a.Status),
        online = a.Online,
        liveVersion = a.LiveVersion,
        owner = a.Owner,
        lockedBy = a.LockedBy,
        lockedAt = a.LockedAt,
        publishAt = a.PublishAt,
        expireAt = a.ExpireAt,
        uses = a.Uses,
        revision = a.Revision,
        updatedAt = a.UpdatedAt,
    };

    private static object VersionJson(ArticleVersion v) => new
    {
        number = v.Number,
        title = v.Title,
        publishedAt = v.PublishedAt,
        approvedBy = v.ApprovedBy,
        category = v.Category,
        keywords = Article.Split(v.Keywords),
    };

    private static object EventJson(ArticleEvent e) => new
    {
        at = e.At,
        actor = e.Actor,
        kind = e.Kind,
        from = e.FromStatus is { } f ? ArticleLifecycle.Json(f) : null,
        to = e.ToStatus is { } t ? ArticleLifecycle.Json(t) : null,
        comment = e.Comment,
        version = e.Version,
    };
}
