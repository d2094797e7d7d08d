using Hotline.Federation.OfficerConsole;

namespace Hotline.Federation.Pages.Console;

/// <summary>督办台: the officer's console home — what needs them today, refreshed every few seconds.</summary>
internal sealed class IndexModel(ConsoleQueries queries) : ConsolePageModel
{
    public ConsoleSummary Summary { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct) => Summary = await queries.SummaryAsync(ct);
}
