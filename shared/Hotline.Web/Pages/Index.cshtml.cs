using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Hotline.Web.Pages;

/// <summary>The node's public landing page (门户首页): the citizen site at a city, navigation to child sites above.</summary>
[AllowAnonymous]
public sealed class IndexModel(NodeOptions node, IOptions<WebOptions> options) : PageModel
{
    public WebOptions Options { get; } = options.Value;

    public IReadOnlyList<SiteLink> Children { get; private set; } = [];

    public SiteLink? Parent { get; private set; }

    public void OnGet()
    {
        Children = [.. node.Children.Select(Site)];
        Parent = string.IsNullOrEmpty(node.Parent) ? null : Site(node.Parent);
    }

    private SiteLink Site(string id)
    {
        var name = RegionNames.NameOf(id, Options.SiteNames);
        // Behind the gateway (PathBase = /{thisNode}) sites are siblings under the gateway root.
        string? url = Options.GatewayUrl is { Length: > 0 } gateway ? $"{gateway.TrimEnd('/')}/{id}/"
            : Request.PathBase.HasValue ? $"/{id}/"
            : null;
        return new SiteLink(id, name, url);
    }
}

/// <summary>A link to another node's site.</summary>
public sealed record SiteLink(string Id, string Name, string? Url);
