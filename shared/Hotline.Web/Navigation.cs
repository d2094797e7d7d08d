using System.Globalization;
using System.Security.Claims;

namespace Hotline.Web;

/// <summary>Where a navigation link shows: the staff bar (signed-in users) or the public site.</summary>
public enum NavArea
{
    /// <summary>The staff navigation, shown to signed-in users (filtered by role).</summary>
    Staff,
    /// <summary>The public site's navigation, shown to everyone.</summary>
    Public,
}

/// <summary>
/// A link a module adds to the layout's navigation: <c>services.AddNavLink(new NavLink("/cases", "工单", "Cases"))</c>.
/// Texts are given in both UI languages; <see cref="Roles"/> (any of) limits who sees a staff link.
/// </summary>
public sealed record NavLink(string Href, string Text, string TextEn, NavArea Area = NavArea.Staff, IReadOnlyList<string>? Roles = null, int Order = 100)
{
    /// <summary>The text in the current UI culture.</summary>
    public string LocalizedText =>
        CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en" ? TextEn : Text;

    /// <summary>True if <paramref name="user"/> may see this link.</summary>
    public bool IsVisibleTo(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Area == NavArea.Public)
        {
            return true;
        }

        return user.Identity?.IsAuthenticated == true && (Roles is null || Roles.Count == 0 || Roles.Any(user.IsInRole));
    }
}

/// <summary>
/// A live panel a module adds to the staff home (/staff): the page loads <see cref="Href"/> (an HTML fragment) at once and
/// every <see cref="RefreshSeconds"/> (htmx polling). <see cref="Roles"/> (any of) limits who sees it.
/// </summary>
public sealed record StaffPanel(string Href, IReadOnlyList<string> Roles, int RefreshSeconds = 10, int Order = 100)
{
    /// <summary>True if <paramref name="user"/> may see this panel.</summary>
    public bool IsVisibleTo(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true && Roles.Any(user.IsInRole);
    }
}

/// <summary>The links of all modules, ordered.</summary>
public sealed class Navigation(IEnumerable<NavLink> links)
{
    private readonly NavLink[] _links = [.. links.OrderBy(l => l.Order).ThenBy(l => l.Href, StringComparer.Ordinal)];

    /// <summary>The links of <paramref name="area"/> that <paramref name="user"/> may see.</summary>
    public IEnumerable<NavLink> For(NavArea area, ClaimsPrincipal user) =>
        _links.Where(l => l.Area == area && l.IsVisibleTo(user));
}
