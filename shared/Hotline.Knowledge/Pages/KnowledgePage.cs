using System.Globalization;
using Hotline.Knowledge.Articles;
using Hotline.Knowledge.Domain;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Knowledge.Pages;

/// <summary>What the knowledge pages share: the actor, the problem shown beside a form, local times, status texts.</summary>
internal abstract class KnowledgePage : PageModel
{
    public Error? Problem { get; protected set; }

    public KnowledgeActor Actor => KnowledgeActor.From(User);

    public static string Local(DateTimeOffset? at) =>
        at is { } a ? a.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";

    public static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    public static string StatusKey(ArticleStatus status) => "Status." + ArticleLifecycle.Json(status);

    /// <summary>Shows the error on the page with the matching HTTP status.</summary>
    protected void Fail(Error error)
    {
        Problem = error;
        Response.StatusCode = error.Kind switch
        {
            ErrorKind.NotFound => 404,
            ErrorKind.Forbidden => 403,
            ErrorKind.Conflict => 409,
            _ => 400,
        };
    }

    protected static DateTimeOffset? ChinaTime(string? local) =>
        DateTime.TryParseExact(local, ["yyyy-MM-ddTHH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? new DateTimeOffset(t, TimeSpan.FromHours(8))
            : null;
}
