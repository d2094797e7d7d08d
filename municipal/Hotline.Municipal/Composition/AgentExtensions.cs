using System.Security.Claims;
using Hotline.Identity.Data;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Hotline.Telephony;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Hotline.Municipal.Composition;

/// <summary>
/// Which staff account answers on which SIP extension (坐席分机), section <c>AgentExtensions</c>: a list of
/// <c>{ "User": "agent1", "Extension": "8001" }</c>. The launcher sets it for the demo agents.
/// </summary>
internal sealed class AgentExtensionOptions
{
    public const string SectionName = "AgentExtensions";

    public List<AgentExtension> Agents { get; set; } = [];
}

/// <summary>One staff account tied to one extension.</summary>
internal sealed class AgentExtension
{
    public string User { get; set; } = string.Empty;

    public string Extension { get; set; } = string.Empty;
}

/// <summary>Every mapping names a user and an extension that telephony knows; each error names the field.</summary>
internal sealed class AgentExtensionValidator(IOptions<SipOptions> sip) : IValidateOptions<AgentExtensionOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentExtensionOptions options)
    {
        var known = sip.Value.Extensions.Select(e => e.Extension).ToHashSet(StringComparer.Ordinal);
        var errors = new List<string>();
        for (var i = 0; i < options.Agents.Count; i++)
        {
            var a = options.Agents[i];
            if (string.IsNullOrWhiteSpace(a.User))
            {
                errors.Add($"{AgentExtensionOptions.SectionName}:Agents:{i}:User is required.");
            }

            if (!known.Contains(a.Extension))
            {
                errors.Add($"{AgentExtensionOptions.SectionName}:Agents:{i}:Extension '{a.Extension}' is not one of Sip:Extensions.");
            }
        }

        if (options.Agents.GroupBy(a => a.Extension, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            errors.Add($"{AgentExtensionOptions.SectionName}:Agents gives one extension to several users.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Gives each configured staff account its <c>extension</c> claim, the claim telephony's CTI reads to know "the agent
/// themself" (<c>PUT /api/v1/cti/agents/{extension}/state</c>) and the workbench uses to show their phone. Runs after
/// identity seeding; idempotent, and a moved extension replaces the old claim.
/// </summary>
internal sealed partial class AgentExtensionSeeder(
    IServiceScopeFactory scopes,
    IOptions<AgentExtensionOptions> options,
    ILogger<AgentExtensionSeeder> logger) : IStartupTask
{
    public string Name => "city: agent extensions";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Agents.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        foreach (var agent in options.Value.Agents)
        {
            var user = await users.FindByNameAsync(agent.User).ConfigureAwait(false);
            if (user is null)
            {
                LogUnknownUser(logger, agent.User, agent.Extension);
                continue;
            }

            var claims = (await users.GetClaimsAsync(user).ConfigureAwait(false)).Where(c => c.Type == HotlineClaims.Extension).ToList();
            var stale = claims.Where(c => c.Value != agent.Extension).ToList();
            if (stale.Count > 0)
            {
                Check(await users.RemoveClaimsAsync(user, stale).ConfigureAwait(false), agent.User);
            }

            if (!claims.Any(c => c.Value == agent.Extension))
            {
                Check(await users.AddClaimAsync(user, new Claim(HotlineClaims.Extension, agent.Extension)).ConfigureAwait(false), agent.User);
            }
        }

        LogBound(logger, options.Value.Agents.Count);
    }

    private static void Check(IdentityResult result, string user)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not set the extension of {user}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(EventId = 9120, Level = LogLevel.Information, Message = "{Count} agents bound to their extensions")]
    private static partial void LogBound(ILogger logger, int count);

    [LoggerMessage(EventId = 9121, Level = LogLevel.Warning, Message = "No staff account {User} for extension {Extension}; skipped")]
    private static partial void LogUnknownUser(ILogger logger, string user, string extension);
}
