using Hotline.Federation.Operations;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Hotline.Federation.Pages.Ops;

/// <summary>联网运维 (/ops/federation): the node's federation queues, dead letters with their reasons and replay, refused requests.</summary>
[Authorize(Policy = HotlinePolicies.Admin)]
internal sealed class FederationModel(FederationOperations ops) : PageModel
{
    public FederationQueues Queues { get; private set; } = null!;

    public IReadOnlyList<DeadLetterView> DeadLetters { get; private set; } = [];

    public IReadOnlyList<RefusedView> Refused { get; private set; } = [];

    [TempData] public string? Replayed { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Queues = await ops.QueuesAsync(ct);
        DeadLetters = await ops.DeadLettersAsync(200, ct);
        Refused = await ops.RefusedAsync(50, ct);
    }

    public async Task<IActionResult> OnPostReplayAsync(List<Guid> id, CancellationToken ct)
    {
        var ids = id.Where(g => g != Guid.Empty).ToList();
        if (ids.Count > 0)
        {
            await ops.ReplayAsync(ids, ct);
        }

        Replayed = ids.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return LocalRedirect("~/ops/federation");
    }
}
