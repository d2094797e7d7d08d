using System.Security.Claims;
using Hotline.Identity.ClientAssertions;
using Hotline.Identity.Data;
using Hotline.Identity.Endpoints;
using Hotline.Identity.Seeding;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Hotline.Identity;

/// <summary>
/// The node's own identity provider (统一身份认证): ASP.NET Core Identity for staff, OpenIddict for tokens, and the
/// authentication and authorization every module's endpoints rely on.
/// </summary>
public static class IdentityModule
{
    /// <summary>The authentication scheme of staff endpoints: a bearer token if one is sent, else the login cookie.</summary>
    public const string StaffScheme = "Hotline";

    /// <summary>The login page.</summary>
    public const string LoginPath = "/account/login";

    /// <summary>
    /// Registers Identity (lockout after 5 failures, password policy), OpenIddict server (client credentials,
    /// authorization code + PKCE S256, refresh tokens; keys of this node under its data folder; issuer = Node:PublicUrl)
    /// and validation (audience <c>hotline:{nodeId}</c> required), the cookie-or-bearer scheme, the policies
    /// <see cref="HotlinePolicies"/> and peer tokens. Call after <c>AddServiceDefaults()</c>.
    /// </summary>
    public static TBuilder AddIdentityModule<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddOptions<IdentityModuleOptions>()
            .Bind(builder.Configuration.GetSection(IdentityModuleOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "Identity configuration is invalid.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentityModuleOptions>, IdentityOptionsValidator>();

        services.AddModuleDbContext<IdentityDb>(IdentityDb.Module, o => o.UseOpenIddict());

        services.AddIdentity<StaffUser, IdentityRole>(o =>
            {
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = true;
                o.Password.RequireLowercase = true;
                o.Password.RequireUppercase = true;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 4;
                o.User.RequireUniqueEmail = false;
                o.ClaimsIdentity.UserNameClaimType = Claims.Name;
                o.ClaimsIdentity.RoleClaimType = Claims.Role;
                o.ClaimsIdentity.UserIdClaimType = Claims.Subject;
            })
            .AddEntityFrameworkStores<IdentityDb>()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<StaffClaimsPrincipalFactory>();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = LoginPath;
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/denied";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
        });

        // Nodes on one host share cookies across ports: the cookie name carries the node id.
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<NodeOptions>((o, node) => o.Cookie.Name = $"hotline.staff.{node.Id}");

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(o =>
            {
                o.SetTokenEndpointUris("connect/token")
                    .SetAuthorizationEndpointUris("connect/authorize")
                    .SetEndSessionEndpointUris("connect/logout");
                o.AllowClientCredentialsFlow()
                    .AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow();
                o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Roles, Scopes.OfflineAccess);

                // private_key_jwt between nodes: fetch a neighbour's public keys on first contact, refuse replays.
                o.AddEventHandler(PeerJwksRefresher.Descriptor);
                o.AddEventHandler(ClientAssertionReplayGuard.Descriptor);
                o.UseAspNetCore()
                    .EnableTokenEndpointPassthrough()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
            });

        // Node-specific settings are applied when options are first read, so they follow the final configuration.
        services.AddOptions<OpenIddictServerOptions>()
            .Configure<NodeOptions, IOptions<StorageOptions>, IOptions<IdentityModuleOptions>>(ConfigureServer);
        services.AddOptions<OpenIddictValidationOptions>()
            .Configure<NodeOptions>((o, node) => o.Audiences.Add(StaffClaims.Audience(node)));

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = StaffScheme;
                o.DefaultAuthenticateScheme = StaffScheme;
                o.DefaultChallengeScheme = StaffScheme;
                o.DefaultForbidScheme = StaffScheme;
                o.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(StaffScheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme
                    : IdentityConstants.ApplicationScheme);

        // OpenIddict trap: the validation handler only works when authorization is registered as well.
        services.AddAuthorizationBuilder()
            .AddPolicy(HotlinePolicies.Staff, p => p.RequireAuthenticatedUser())
            .AddPolicy(HotlinePolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole(HotlineRoles.Administrator))
            .AddPolicy(HotlinePolicies.Federation, p => p.RequireAuthenticatedUser().RequireRole(HotlineRoles.Node));

        services.AddRazorPages();
        services.AddPeerTokens(builder.Configuration);
        services.AddSingleton<ClientKeySources>();
        services.AddSingleton<PeerJwksThrottle>();
        services.AddHttpClient(PeerJwksRefresher.HttpClientName);
        services.AddStartupTask<IdentitySeeder>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TokenPruner>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenPruner>());
        return builder;
    }

    /// <summary>Maps <c>/connect/token</c>, <c>/connect/authorize</c>, <c>/connect/logout</c>, <c>GET /.well-known/client-jwks</c>
    /// and <c>GET /api/v1/identity/me</c>.
    /// The login page is a Razor page mapped with the node's pages (<c>MapWebPages()</c>).</summary>
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapConnectEndpoints();
        app.MapGet(ClientAssertionKey.JwksPath, (ClientAssertionKey key) => TypedResults.Text(key.PublicJwks(), "application/jwk-set+json"))
            .AllowAnonymous()
            .WithTags("Identity")
            .WithSummary("The public keys of this node's client assertions (private_key_jwt towards its neighbours).");
        app.MapGet("/api/v1/identity/me", (ClaimsPrincipal user, NodeOptions node) => TypedResults.Ok(new CurrentUser(
                user.FindFirst(Claims.Subject)?.Value ?? string.Empty,
                user.Identity?.Name ?? string.Empty,
                [.. user.FindAll(Claims.Role).Select(c => c.Value)],
                node.Id) { Extension = user.FindFirst(HotlineClaims.Extension)?.Value }))
            .RequireAuthorization(HotlinePolicies.Staff)
            .WithTags("Identity")
            .WithSummary("Who the caller is at this node: subject, name, roles, extension (agents).");
        return app;
    }

    private static void ConfigureServer(OpenIddictServerOptions o, NodeOptions node, IOptions<StorageOptions> storage, IOptions<IdentityModuleOptions> identity)
    {
        if (node.PublicUrl is { Length: > 0 } url)
        {
            o.Issuer = new Uri(url.TrimEnd('/') + "/");
        }

        var keys = Path.Combine(storage.Value.NodeDirectory(node.Id), "keys");
        var signing = NodeKeys.LoadOrCreate(keys, "signing");
        var encryption = NodeKeys.LoadOrCreate(keys, "encryption");
        o.SigningCredentials.Add(new SigningCredentials(signing, SecurityAlgorithms.RsaSha256));
        o.EncryptionCredentials.Add(new EncryptingCredentials(encryption, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        o.AccessTokenLifetime = TimeSpan.FromMinutes(identity.Value.AccessTokenMinutes);

        // PKCE with S256 only: "plain" would let an intercepted code be redeemed.
        o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
    }

    private static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        var request = ctx.Request;
        var api = request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)
            || (!request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
                && !request.Path.StartsWithSegments("/connect", StringComparison.OrdinalIgnoreCase)
                && request.Headers.Accept.Count > 0);
        if (api)
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>The caller as this node sees them.</summary>
public sealed record CurrentUser(string Subject, string Name, IReadOnlyList<string> Roles, string Node)
{
    /// <summary>The agent's SIP extension (claim <c>extension</c>), if the account has one.</summary>
    public string? Extension { get; init; }
}

internal sealed class IdentityOptionsValidator : IValidateOptions<IdentityModuleOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityModuleOptions options)
    {
        var errors = options.Validate().ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Adds the display name to the login cookie's principal.</summary>
internal sealed class StaffClaimsPrincipalFactory(
    UserManager<StaffUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<IdentityOptions> options) : UserClaimsPrincipalFactory<StaffUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(StaffUser user)
    {
        var identity = await base.GenerateClaimsAsync(user).ConfigureAwait(false);
        identity.AddClaim(new Claim("display_name", string.IsNullOrEmpty(user.DisplayName) ? user.UserName ?? string.Empty : user.DisplayName));
        return identity;
    }
}
