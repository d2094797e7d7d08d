using System.Text.Json;
using Hotline.Identity.ClientAssertions;
using Hotline.Identity.Data;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Hotline.Identity.Seeding;

/// <summary>
/// Creates the identity tables, the roles, the configured clients and (in demo mode) the demo users of this node's tier.
/// Idempotent: a restart updates secrets and passwords from configuration and never duplicates anything.
/// </summary>
internal sealed partial class IdentitySeeder(
    IServiceScopeFactory scopes,
    NodeOptions node,
    IOptions<IdentityModuleOptions> options,
    ClientKeySources keySources,
    ILogger<IdentitySeeder> logger) : IStartupTask
{
    /// <summary>Demo users of a city node: user name, role, display name.</summary>
    internal static readonly (string User, string Role, string Name)[] MunicipalDemoUsers =
    [
        ("agent1", HotlineRoles.Agent, "话务员一"),
        ("agent2", HotlineRoles.Agent, "话务员二"),
        ("lead1", HotlineRoles.TeamLead, "班长一"),
        ("inspector1", HotlineRoles.QualityInspector, "质检员一"),
        ("handler1", HotlineRoles.Handler, "承办人一"),
        ("reviewer1", HotlineRoles.Reviewer, "审核员一"),
        ("enterprise1", HotlineRoles.Enterprise, "企业用户一"),
        ("admin1", HotlineRoles.Administrator, "管理员一"),
    ];

    /// <summary>Demo users of a province or the national node.</summary>
    internal static readonly (string User, string Role, string Name)[] SuperiorDemoUsers =
    [
        ("officer1", HotlineRoles.Officer, "督办员一"),
        ("analyst1", HotlineRoles.Analyst, "分析员一"),
        ("editor1", HotlineRoles.PortalEditor, "门户编辑一"),
        ("admin1", HotlineRoles.Administrator, "管理员一"),
    ];

    public string Name => "identity: schema, roles, clients, demo users";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        await services.GetRequiredService<IdentityDb>().EnsureModuleSchemaAsync(cancellationToken).ConfigureAwait(false);

        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in HotlineRoles.All)
        {
            if (!await roles.RoleExistsAsync(role).ConfigureAwait(false))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)).ConfigureAwait(false), $"role {role}");
            }
        }

        var settings = options.Value;
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        foreach (var client in settings.Clients)
        {
            await UpsertConfidentialAsync(applications, client, settings.Demo.Enabled, cancellationToken).ConfigureAwait(false);
        }

        foreach (var client in settings.WebClients)
        {
            await UpsertAsync(applications, WebDescriptor(client), cancellationToken).ConfigureAwait(false);
        }

        if (settings.Demo.Enabled)
        {
            var users = services.GetRequiredService<UserManager<StaffUser>>();
            var demo = node.Tier == NodeTier.Municipal ? MunicipalDemoUsers : SuperiorDemoUsers;
            foreach (var (userName, role, displayName) in demo)
            {
                await EnsureUserAsync(users, userName, role, displayName, settings.Demo.Password!).ConfigureAwait(false);
            }

            LogDemoSeeded(logger, demo.Length, node.Id);
        }
    }

    private static async Task EnsureUserAsync(UserManager<StaffUser> users, string userName, string role, string displayName, string password)
    {
        var user = await users.FindByNameAsync(userName).ConfigureAwait(false);
        if (user is null)
        {
            user = new StaffUser { UserName = userName, DisplayName = displayName, EmailConfirmed = true, LockoutEnabled = true };
            Check(await users.CreateAsync(user, password).ConfigureAwait(false), $"demo user {userName}");
        }
        else if (!await users.CheckPasswordAsync(user, password).ConfigureAwait(false))
        {
            // The launcher may hand out a new demo password; keep the demo users usable.
            var token = await users.GeneratePasswordResetTokenAsync(user).ConfigureAwait(false);
            Check(await users.ResetPasswordAsync(user, token, password).ConfigureAwait(false), $"demo user {userName}");
        }

        if (!await users.IsInRoleAsync(user, role).ConfigureAwait(false))
        {
            Check(await users.AddToRoleAsync(user, role).ConfigureAwait(false), $"role of demo user {userName}");
        }
    }

    /// <summary>
    /// A keyed client (<c>private_key_jwt</c>) keeps its secret only in demo mode. Keys fetched from a URL are kept
    /// across restarts; a keyed client with neither inline keys nor a secret is created on first contact, when its keys
    /// are fetched (<see cref="PeerJwksRefresher"/>).
    /// </summary>
    private async Task UpsertConfidentialAsync(IOpenIddictApplicationManager applications, ConfidentialClient client, bool demo, CancellationToken ct)
    {
        var keyed = keySources.UsesKeys(client);
        var descriptor = ConfidentialDescriptor(client, keepSecret: !keyed || demo);
        var existing = await applications.FindByClientIdAsync(client.ClientId, ct).ConfigureAwait(false);
        if (existing is null)
        {
            if (string.IsNullOrEmpty(descriptor.ClientSecret) && descriptor.JsonWebKeySet is null)
            {
                LogDeferred(logger, client.ClientId);
                return;
            }

            await applications.CreateAsync(descriptor, ct).ConfigureAwait(false);
            return;
        }

        if (descriptor.JsonWebKeySet is null && keyed)
        {
            descriptor.JsonWebKeySet = await applications.GetJsonWebKeySetAsync(existing, ct).ConfigureAwait(false);
        }

        await applications.UpdateAsync(existing, descriptor, ct).ConfigureAwait(false);
    }

    /// <summary>The OpenIddict application of a client-credentials client (inline keys included; secret if kept).</summary>
    internal static OpenIddictApplicationDescriptor ConfidentialDescriptor(ConfidentialClient client, bool keepSecret)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = keepSecret && !string.IsNullOrWhiteSpace(client.ClientSecret) ? client.ClientSecret : null,
            JsonWebKeySet = string.IsNullOrWhiteSpace(client.Jwks) ? null : new Microsoft.IdentityModel.Tokens.JsonWebKeySet(client.Jwks),
            ClientType = ClientTypes.Confidential,
            DisplayName = client.DisplayName ?? client.ClientId,
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
        };
        descriptor.Properties[StaffClaims.RolesProperty] = JsonSerializer.SerializeToElement(client.Roles);
        return descriptor;
    }

    private static OpenIddictApplicationDescriptor WebDescriptor(WebClient client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = client.DisplayName ?? client.ClientId,
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Roles,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        foreach (var uri in client.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri));
        }

        return descriptor;
    }

    private static async Task UpsertAsync(IOpenIddictApplicationManager applications, OpenIddictApplicationDescriptor descriptor, CancellationToken ct)
    {
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, ct).ConfigureAwait(false);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, ct).ConfigureAwait(false);
        }
        else
        {
            await applications.UpdateAsync(existing, descriptor, ct).ConfigureAwait(false);
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Identity seeding failed for {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Client {ClientId} is registered on first contact, when its public keys are fetched")]
    private static partial void LogDeferred(ILogger logger, string clientId);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "{Count} demo users ready at node {NodeId}")]
    private static partial void LogDemoSeeded(ILogger logger, int count, string nodeId);
}
