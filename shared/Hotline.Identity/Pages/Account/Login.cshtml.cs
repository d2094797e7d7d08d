using Hotline.Identity.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Hotline.Identity.Pages.Account;

/// <summary>Staff sign-in at this node (工作人员登录): lockout after 5 failures, then back to where they came from.</summary>
[AllowAnonymous]
public sealed class LoginModel(SignInManager<StaffUser> signIn, IStringLocalizer<IdentityText> text) : PageModel
{
    /// <summary>Where staff land after signing in.</summary>
    public const string HomePath = "/staff";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? ErrorMessage { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(UserName) || string.IsNullOrEmpty(Password))
        {
            ErrorMessage = text["Required"];
            return Page();
        }

        var result = await signIn.PasswordSignInAsync(UserName.Trim(), Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : Url.Content("~" + HomePath));
        }

        ErrorMessage = result.IsLockedOut ? text["LockedOut"] : text["InvalidLogin"];
        Password = null;
        return Page();
    }
}
