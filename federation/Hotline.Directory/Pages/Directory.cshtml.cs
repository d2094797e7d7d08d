using Hotline.Directory.Contracts;
using Hotline.Directory.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Directory.Pages;

/// <summary>The node directory page (节点目录): every known node, green while it beats, grey after three missed beats.</summary>
[AllowAnonymous]
public sealed class DirectoryPageModel : PageModel
{
    /// <summary>The nodes shown.</summary>
    public DirectoryListing Listing { get; private set; } = new(string.Empty, DateTimeOffset.MinValue, []);

    /// <summary>Reads the directory.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Listing = await HttpContext.RequestServices.GetRequiredService<GetDirectoryNodesHandler>().HandleAsync(cancellationToken);
}
