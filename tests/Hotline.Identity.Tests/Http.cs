using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hotline.Identity.Tests;

internal static partial class Http
{
    public static async Task<JsonElement> TokenAsync(HttpClient client, IDictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await client.PostAsync(new Uri("/connect/token", UriKind.Relative), content);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"token endpoint said {(int)response.StatusCode}: {json}");
        return json;
    }

    public static Task<JsonElement> ClientCredentialsAsync(HttpClient client, string clientId = NodeFactory.ClientId, string secret = NodeFactory.ClientSecret) =>
        TokenAsync(client, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        });

    public static async Task<HttpResponseMessage> GetWithTokenAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>GETs the login page, then POSTs the form with its antiforgery token.</summary>
    public static async Task<HttpResponseMessage> LoginAsync(HttpClient client, string user, string password, string? returnUrl = null)
    {
        var loginPath = "/account/login" + (returnUrl is null ? string.Empty : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        var page = await client.GetStringAsync(new Uri(loginPath, UriKind.Relative));
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "login page has an antiforgery field");
        var fields = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token.Groups[1].Value,
            ["UserName"] = user,
            ["Password"] = password,
        };
        if (returnUrl is not null)
        {
            fields["ReturnUrl"] = returnUrl;
        }

        using var form = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri(loginPath, UriKind.Relative), form);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
