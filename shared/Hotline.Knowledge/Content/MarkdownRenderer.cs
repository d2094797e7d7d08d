using Ganss.Xss;
using Markdig;

namespace Hotline.Knowledge.Content;

/// <summary>
/// Renders an article's Markdown (tables, pictures, lists) to HTML on the server and sanitizes it: raw HTML in the
/// source is shown as text, and whatever could run (script, event handlers, <c>javascript:</c> links, frames, styles)
/// is removed by an allow-list sanitizer before it reaches a page.
/// </summary>
internal sealed class MarkdownRenderer
{
    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UseListExtras()
        .DisableHtml()
        .Build();

    private readonly HtmlSanitizer _sanitizer;

    public MarkdownRenderer()
    {
        _sanitizer = new HtmlSanitizer();
        _sanitizer.AllowedSchemes.Clear();
        _sanitizer.AllowedSchemes.Add("http");
        _sanitizer.AllowedSchemes.Add("https");
        _sanitizer.AllowedSchemes.Add("mailto");
        _sanitizer.AllowedSchemes.Add("tel");
        _sanitizer.AllowedAttributes.Remove("style");
        _sanitizer.AllowedTags.Remove("form");
        _sanitizer.AllowedTags.Remove("input");
        _sanitizer.AllowedTags.Remove("button");
        _sanitizer.AllowedTags.Remove("textarea");
        _sanitizer.AllowedTags.Remove("select");
        _sanitizer.AllowedCssProperties.Clear();
        _sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link)
            {
                link.SetAttribute("rel", "noopener noreferrer nofollow");
            }
        };
    }

    /// <summary>Safe HTML for the page.</summary>
    public string ToHtml(string? markdown) =>
        string.IsNullOrEmpty(markdown) ? "" : _sanitizer.Sanitize(Markdown.ToHtml(markdown, _pipeline));

    /// <summary>The text without markup (for search, snippets and exports).</summary>
    public string ToPlainText(string? markdown) =>
        string.IsNullOrEmpty(markdown) ? "" : Markdown.ToPlainText(markdown, _pipeline).Trim();
}
