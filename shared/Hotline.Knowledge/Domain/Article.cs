namespace Hotline.Knowledge.Domain;

/// <summary>Where the working copy of an article stands in its life cycle.</summary>
internal enum ArticleStatus
{
    /// <summary>草稿: being written or reworked (a published version may still be online).</summary>
    Draft,
    /// <summary>待审核: submitted, waiting for a reviewer.</summary>
    InReview,
    /// <summary>已批准待发布: approved with a publication time still ahead.</summary>
    Scheduled,
    /// <summary>已发布: the working copy is the online version.</summary>
    Published,
    /// <summary>已过期: taken offline by its expiry date or by hand.</summary>
    Expired,
    /// <summary>已归档: withdrawn for good (kept for history).</summary>
    Archived,
}

/// <summary>A knowledge library (知识库) of this node: policies, routes and fares, enterprises, FAQ …</summary>
internal sealed class Library
{
    public string Code { get; set; } = "";

    public string Name { get; set; } = "";

    public string NameEn { get; set; } = "";

    /// <summary>Readable without login (the node's <c>faq</c>).</summary>
    public bool IsPublic { get; set; }

    /// <summary>Comma-separated roles that may edit; empty: editors and administrators.</summary>
    public string EditRoles { get; set; } = "";

    public int Order { get; set; }
}

/// <summary>
/// An article: its working copy (the fields below) and, once published, an online version (<see cref="LiveVersion"/>).
/// Reworking a published article leaves that version online until the next approval publishes a new one.
/// </summary>
internal sealed class Article
{
    public long Id { get; set; }

    public string Library { get; set; } = "";

    /// <summary>Article code, unique within the library (e.g. FAQ-TAXI-001).</summary>
    public string Code { get; set; } = "";

    public string Title { get; set; } = "";

    /// <summary>The body as Markdown (rendered and sanitized server-side when shown).</summary>
    public string Body { get; set; } = "";

    /// <summary>Category code of the business classification (e.g. 030200 出租汽车).</summary>
    public string? Category { get; set; }

    /// <summary>Region code the article applies to (GB/T 2260), empty for everywhere.</summary>
    public string? Region { get; set; }

    public DateOnly? ValidFrom { get; set; }

    public DateOnly? ValidTo { get; set; }

    /// <summary>Keywords, comma-separated.</summary>
    public string Keywords { get; set; } = "";

    public string? Enterprise { get; set; }

    public string? Route { get; set; }

    public ArticleStatus Status { get; set; }

    /// <summary>True while a version is served to readers and search.</summary>
    public bool Online { get; set; }

    /// <summary>The number of the version online (or last online), null before the first publication.</summary>
    public int? LiveVersion { get; set; }

    public string Owner { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Who submitted the working copy for review (a reviewer may not approve their own submission).</summary>
    public string? SubmittedBy { get; set; }

    /// <summary>The reviewer who approved the working copy last.</summary>
    public string? ApprovedBy { get; set; }

    /// <summary>Scheduled publication (set on approval when in the future).</summary>
    public DateTimeOffset? PublishAt { get; set; }

    /// <summary>Scheduled expiry: the article goes offline at this instant.</summary>
    public DateTimeOffset? ExpireAt { get; set; }

    /// <summary>Checked out by (编辑锁); null when free.</summary>
    public string? LockedBy { get; set; }

    public DateTimeOffset? LockedAt { get; set; }

    /// <summary>How often agents opened or used it (ranking by use).</summary>
    public int Uses { get; set; }

    /// <summary>Optimistic concurrency: bumped by every change.</summary>
    public int Revision { get; set; }

    public IReadOnlyList<string> KeywordList => Split(Keywords);

    internal static IReadOnlyList<string> Split(string? keywords) =>
        string.IsNullOrWhiteSpace(keywords)
            ? []
            : keywords.Split([',', '，', ';', '；', '、'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal ArticleContent Content() =>
        new(Title, Body, Category, Region, ValidFrom, ValidTo, KeywordList, Enterprise, Route);

    internal void Apply(ArticleContent content)
    {
        Title = content.Title;
        Body = content.Body;
        Category = content.Category;
        Region = content.Region;
        ValidFrom = content.ValidFrom;
        ValidTo = content.ValidTo;
        Keywords = string.Join(",", content.Keywords);
        Enterprise = content.Enterprise;
        Route = content.Route;
    }
}

/// <summary>The editable content of an article (what a version keeps).</summary>
internal sealed record ArticleContent(
    string Title,
    string Body,
    string? Category,
    string? Region,
    DateOnly? ValidFrom,
    DateOnly? ValidTo,
    IReadOnlyList<string> Keywords,
    string? Enterprise,
    string? Route);

/// <summary>A published version of an article: every publication keeps one, any can be viewed, compared and restored.</summary>
internal sealed class ArticleVersion
{
    public long Id { get; set; }

    public long ArticleId { get; set; }

    public int Number { get; set; }

    public string Title { get; set; } = "";

    public string Body { get; set; } = "";

    public string? Category { get; set; }

    public string? Region { get; set; }

    public DateOnly? ValidFrom { get; set; }

    public DateOnly? ValidTo { get; set; }

    public string Keywords { get; set; } = "";

    public string? Enterprise { get; set; }

    public string? Route { get; set; }

    public DateTimeOffset PublishedAt { get; set; }

    /// <summary>The reviewer who approved it.</summary>
    public string ApprovedBy { get; set; } = "";

    internal ArticleContent Content() =>
        new(Title, Body, Category, Region, ValidFrom, ValidTo, Article.Split(Keywords), Enterprise, Route);

    internal static ArticleVersion Of(Article article, int number, DateTimeOffset at, string approvedBy) => new()
    {
        ArticleId = article.Id,
        Number = number,
        Title = article.Title,
        Body = article.Body,
        Category = article.Category,
        Region = article.Region,
        ValidFrom = article.ValidFrom,
        ValidTo = article.ValidTo,
        Keywords = article.Keywords,
        Enterprise = article.Enterprise,
        Route = article.Route,
        PublishedAt = at,
        ApprovedBy = approvedBy,
    };
}

/// <summary>One entry of an article's audit trail: every transition, lock and restore.</summary>
internal sealed class ArticleEvent
{
    public long Id { get; set; }

    public long ArticleId { get; set; }

    public DateTimeOffset At { get; set; }

    public string Actor { get; set; } = "";

    /// <summary>created, saved, submitted, approved, scheduled, published, sentBack, expired, archived, reopened,
    /// checkedOut, checkedIn, lockBroken, restored, imported.</summary>
    public string Kind { get; set; } = "";

    public ArticleStatus? FromStatus { get; set; }

    public ArticleStatus? ToStatus { get; set; }

    public string? Comment { get; set; }

    public int? Version { get; set; }
}

/// <summary>A group of words searched as one (的士/出租车/出租汽车), kept as data an editor extends.</summary>
internal sealed class SynonymGroup
{
    public long Id { get; set; }

    /// <summary>The words, comma-separated.</summary>
    public string Terms { get; set; } = "";

    public IReadOnlyList<string> TermList => Article.Split(Terms);
}
