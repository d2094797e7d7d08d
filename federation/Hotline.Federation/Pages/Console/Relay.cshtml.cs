using Hotline.Federation.OfficerConsole;
using Hotline.Federation.Persistence;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Federation.Pages.Console;

/// <summary>转办在途: cases transferred out by this node's cities and not yet handled elsewhere, with each case's SLA clock.</summary>
internal sealed class RelayModel(ConsoleQueries queries) : ConsolePageModel
{
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public PageOf<ReportedCase> Result { get; private set; } = new([], 0, 1, 50);

    public async Task OnGetAsync(CancellationToken ct) => Result = await queries.TransfersAsync(PageNumber, 50, ct);
}
