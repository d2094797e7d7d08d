using Grpc.Core;
using Hotline.Federation.Detail;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Federation.Pages.Console.Cases;

/// <summary>
/// 上级调阅 from the reported list: the city's full case read on demand over gRPC, masked by role and audited at the city
/// (requested by this node and the signed-in officer). Out of scope → 403, unknown → 404, a node on the way down → 502.
/// </summary>
internal sealed class DetailModel(CaseDetailReader reader) : ConsolePageModel
{
    public CaseDetailView? Detail { get; private set; }

    public string? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(string caseNumber, string? reason, CancellationToken ct)
    {
        try
        {
            var reply = await CaseDetailEndpoints.ReadAsync(reader, Self, User, caseNumber, reason, ct);
            Detail = CaseDetailEndpoints.ToView(reply);
        }
        catch (RpcException ex)
        {
            var error = CaseDetailEndpoints.ErrorOf(ex);
            Problem = error.Kind switch
            {
                ErrorKind.Forbidden => "DetailForbidden",
                ErrorKind.NotFound => "DetailNotFound",
                ErrorKind.Invalid => "DetailInvalid",
                _ => "DetailUnavailable",
            };
            Response.StatusCode = error.Kind.StatusCode();
        }

        return Page();
    }
}
