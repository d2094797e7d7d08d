using Hotline.Federation.OfficerConsole;

namespace Hotline.Federation.Pages.Console;

/// <summary>The console home's numbers as an HTML fragment (/console/summary), polled by the staff home and /console.</summary>
internal sealed class SummaryModel(ConsoleQueries queries) : ConsolePageModel
{
    public ConsoleSummary Summary { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct) => Summary = await queries.SummaryAsync(ct);
}
