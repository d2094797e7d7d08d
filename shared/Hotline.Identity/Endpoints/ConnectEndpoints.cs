using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using Hotline.Identity.Data;
using Hotline.SharedKernel;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Hotline.Identity.Endpoints;

/// <summary>The passthrough OpenIddict endpoints: token (client credentials, code, refresh), authorize, logout.</summary>
internal static class ConnectEndpoints
{
    public static IEndpointRouteBuilder MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("/connect").ExcludeFromDescription();
        connect.MapPost("/token", Token).AllowAnonymous().DisableAntiforgery();
        connect.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post], Authorize).AllowAnonymous().DisableAntiforgery();
        connect.MapMethods("/logout", [HttpMethods.Get, HttpMethods.Post], Logout).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> Token(
        HttpContext context,
        IOpenIddictApplicationManager applications,
        UserManager<StaffUser> users,
        SignInManager<StaffUser> signIn,
        NodeOptions node)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted).ConfigureAwait(false);
            if (application is null)
            {
                return Refuse(Errors.InvalidClient, "Unknown client.");
            }

            var properties = await applications.GetPropertiesAsync(application, context.RequestAborted).ConfigureAwait(false);
            var roles = RolesOf(properties);
            var name = await applications.GetDisplayNameAsync(application, context.RequestAborted).ConfigureAwait(false);
            var identity = StaffClaims.ForClient(request.ClientId!, name, roles, node, request.GetScopes());
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
            var subject = result.Principal?.GetClaim(Claims.Subject);
            var user = subject is null ? null : await users.FindByIdAsync(subject).ConfigureAwait(false);
            if (user is null || !await signIn.CanSignInAsync(user).ConfigureAwait(false) || await users.IsLockedOutAsync(user).ConfigureAwait(false))
            {
                return Refuse(Errors.InvalidGrant, "The user can no longer sign in.");
            }

            var identity = await StaffClaims.ForUserAsync(user, users, node, result.Principal!.GetScopes()).ConfigureAwait(false);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Refuse(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> Authorize(HttpContext context, UserManager<StaffUser> users, NodeOptions node)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        var login = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme).ConfigureAwait(false);
        var user = login.Succeeded ? await users.GetUserAsync(login.Principal!).ConfigureAwait(false) : null;
        if (user is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not logged in.");
            }

            var returnUrl = context.Request.PathBase + context.Request.Path + QueryString.Create(
                context.Request.HasFormContentType
                    ? context.Request.Form.Select(f => KeyValuePair.Create(f.Key, f.Value))
                    : context.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value)));
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [IdentityConstants.ApplicationScheme]);
        }

        // First-party staff applications of this node: consent is implicit.
        var identity = await StaffClaims.ForUserAsync(user, users, node, request.GetScopes()).ConfigureAwait(false);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Logout(HttpContext context, SignInManager<StaffUser> signIn)
    {
        await signIn.SignOutAsync().ConfigureAwait(false);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static string[] RolesOf(ImmutableDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(StaffClaims.RolesProperty, out var element) && element.ValueKind == JsonValueKind.Array
            ? [.. element.EnumerateArray().Select(e => e.GetString()).OfType<string>()]
            : [];

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
