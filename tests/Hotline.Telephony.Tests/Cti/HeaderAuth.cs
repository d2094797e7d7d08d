using System.Security.Claims;
using System.Text.Encodings.Web;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotline.Telephony.Tests.Cti;

/// <summary>
/// Test authentication from headers: <c>X-Test-Roles</c> (comma-separated), <c>X-Test-Name</c> (default "tester",
/// subject "&lt;name&gt;-id") and <c>X-Test-Extension</c>; no roles header, no user.
/// </summary>
internal sealed class HeaderAuth(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue("X-Test-Roles", out var roles))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity("Test");
        var name = Request.Headers.TryGetValue("X-Test-Name", out var n) ? n.ToString() : "tester";
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        identity.AddClaim(new Claim("sub", name + "-id"));
        foreach (var r in roles.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, r));
        }

        if (Request.Headers.TryGetValue("X-Test-Extension", out var ext))
        {
            identity.AddClaim(new Claim(HotlineClaims.Extension, ext.ToString()));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
    }
}
