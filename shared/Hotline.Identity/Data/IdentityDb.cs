using Hotline.ServiceDefaults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Hotline.Identity.Data;

/// <summary>A staff member who logs in at this node (工作人员). Roles come from <c>HotlineRoles</c>.</summary>
public sealed class StaffUser : IdentityUser
{
    /// <summary>The name shown in the top bar, e.g. 话务员 1.</summary>
    public string DisplayName { get; set; } = string.Empty;
}

/// <summary>Users, roles and OpenIddict's applications, authorizations, scopes and tokens of this node.</summary>
internal sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<StaffUser>(options)
{
    public const string Module = "identity";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        builder.UseModuleSchema(Database, Module);
        base.OnModelCreating(builder);
        builder.Entity<StaffUser>().Property(u => u.DisplayName).HasMaxLength(100);
    }
}
