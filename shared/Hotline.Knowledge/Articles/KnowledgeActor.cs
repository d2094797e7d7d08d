using System.Security.Claims;
using Hotline.SharedKernel;

namespace Hotline.Knowledge.Articles;

/// <summary>Who acts on the knowledge base: a staff member or client (with roles), the scheduler, or the public.</summary>
internal sealed record KnowledgeActor(string Id, IReadOnlyCollection<string> Roles)
{
    public static readonly KnowledgeActor Public = new("public", []);

    public static readonly KnowledgeActor System = new("system", [HotlineRoles.Administrator]);

    public bool IsStaff => Id != Public.Id;

    public bool Is(string role) => Roles.Contains(role);

    /// <summary>May write articles: editors, team leads and administrators (or the library's own list of roles).</summary>
    public bool CanEdit(string? libraryRoles)
    {
        var allowed = string.IsNullOrWhiteSpace(libraryRoles)
            ? [HotlineRoles.PortalEditor, HotlineRoles.TeamLead, HotlineRoles.Administrator]
            : libraryRoles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Is(HotlineRoles.Administrator) || allowed.Any(Is);
    }

    /// <summary>May approve or send back: reviewers and administrators.</summary>
    public bool CanReview => Is(HotlineRoles.Reviewer) || Is(HotlineRoles.Administrator);

    public bool IsAdmin => Is(HotlineRoles.Administrator);

    public static KnowledgeActor From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return Public;
        }

        var id = user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? user.FindFirst("client_id")?.Value
            ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";
        var roles = user.Claims.Where(c => c.Type is ClaimTypes.Role or "role").Select(c => c.Value).Distinct().ToArray();
        return new KnowledgeActor(id, roles);
    }
}
