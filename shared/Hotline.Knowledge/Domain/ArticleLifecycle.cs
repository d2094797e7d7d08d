using Hotline.SharedKernel;

namespace Hotline.Knowledge.Domain;

/// <summary>The life-cycle moves of an article's working copy.</summary>
internal enum ArticleMove
{
    Save,
    Submit,
    Approve,
    SendBack,
    GoLive,
    Expire,
    Archive,
    Reopen,
    Restore,
}

/// <summary>
/// The life cycle: draft → in review → (scheduled →) published → expired/archived. A reviewer approves or sends back
/// (with a comment); saving a published or expired article starts a new draft while the online version stays.
/// </summary>
internal static class ArticleLifecycle
{
    private static readonly Dictionary<(ArticleStatus, ArticleMove), ArticleStatus> Moves = new()
    {
        [(ArticleStatus.Draft, ArticleMove.Save)] = ArticleStatus.Draft,
        [(ArticleStatus.Published, ArticleMove.Save)] = ArticleStatus.Draft,
        [(ArticleStatus.Expired, ArticleMove.Save)] = ArticleStatus.Draft,
        [(ArticleStatus.Draft, ArticleMove.Restore)] = ArticleStatus.Draft,
        [(ArticleStatus.Published, ArticleMove.Restore)] = ArticleStatus.Draft,
        [(ArticleStatus.Expired, ArticleMove.Restore)] = ArticleStatus.Draft,
        [(ArticleStatus.Draft, ArticleMove.Submit)] = ArticleStatus.InReview,
        [(ArticleStatus.InReview, ArticleMove.Approve)] = ArticleStatus.Published,
        [(ArticleStatus.InReview, ArticleMove.SendBack)] = ArticleStatus.Draft,
        [(ArticleStatus.Scheduled, ArticleMove.SendBack)] = ArticleStatus.Draft,
        [(ArticleStatus.Scheduled, ArticleMove.GoLive)] = ArticleStatus.Published,
        [(ArticleStatus.Published, ArticleMove.Expire)] = ArticleStatus.Expired,
        [(ArticleStatus.Draft, ArticleMove.Archive)] = ArticleStatus.Archived,
        [(ArticleStatus.Published, ArticleMove.Archive)] = ArticleStatus.Archived,
        [(ArticleStatus.Expired, ArticleMove.Archive)] = ArticleStatus.Archived,
        [(ArticleStatus.Archived, ArticleMove.Reopen)] = ArticleStatus.Draft,
    };

    /// <summary>The status after <paramref name="move"/>, or a conflict saying why the current status refuses it.</summary>
    public static Result<ArticleStatus> Next(ArticleStatus from, ArticleMove move) =>
        Moves.TryGetValue((from, move), out var to)
            ? to
            : Error.Conflict("knowledge.transition",
                $"An article that is {Name(from)} cannot be {Verb(move)}; allowed now: {string.Join(", ", Allowed(from).Select(Verb))}.");

    public static IEnumerable<ArticleMove> Allowed(ArticleStatus from) =>
        Moves.Keys.Where(k => k.Item1 == from && k.Item2 != ArticleMove.GoLive).Select(k => k.Item2);

    public static string Name(ArticleStatus status) => status switch
    {
        ArticleStatus.InReview => "in review",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static string Verb(ArticleMove move) => move switch
    {
        ArticleMove.Save => "edited",
        ArticleMove.Submit => "submitted",
        ArticleMove.Approve => "approved",
        ArticleMove.SendBack => "sent back",
        ArticleMove.GoLive => "published",
        ArticleMove.Expire => "expired",
        ArticleMove.Archive => "archived",
        ArticleMove.Reopen => "reopened",
        ArticleMove.Restore => "restored",
        _ => move.ToString(),
    };

    /// <summary>The camelCase name used in the API and the audit trail.</summary>
    public static string Json(ArticleStatus status) => status switch
    {
        ArticleStatus.InReview => "inReview",
        _ => status.ToString().ToLowerInvariant(),
    };
}
