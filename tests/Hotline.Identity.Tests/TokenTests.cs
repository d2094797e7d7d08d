using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;

namespace Hotline.Identity.Tests;

public sealed class TokenTests : IClassFixture<TokenTests.Nodes>
{
    private readonly Nodes _nodes;

    public TokenTests(Nodes nodes) => _nodes = nodes;

    /// <summary>Two city nodes with their own data folders, ids and keys.</summary>
    public sealed class Nodes : IDisposable
    {
        public NodeFactory Shenzhen { get; } = new("440300");

        public NodeFactory Guangzhou { get; } = new("440100");

        public void Dispose()
        {
            Shenzhen.Dispose();
            Guangzhou.Dispose();
        }
    }

    [Fact]
    public async Task Demo_client_gets_a_token_and_calls_a_staff_endpoint()
    {
        var client = _nodes.Shenzhen.CreateClient();
        var token = await Http.ClientCredentialsAsync(client);
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());

        using var response = await Http.GetWithTokenAsync(client, "/api/v1/identity/me", token.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(NodeFactory.ClientId, me.GetProperty("subject").GetString());
        Assert.Equal("440300", me.GetProperty("node").GetString());
        Assert.Contains("admin", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Staff_endpoint_without_a_token_is_401()
    {
        using var response = await _nodes.Shenzhen.CreateClient().GetAsync(new Uri("/api/v1/identity/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Wrong_client_secret_gets_no_token()
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = NodeFactory.ClientId,
            ["client_secret"] = "wrong-secret",
        });
        using var response = await _nodes.Shenzhen.CreateClient().PostAsync(new Uri("/connect/token", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Token_from_another_node_is_refused()
    {
        var foreign = await Http.ClientCredentialsAsync(_nodes.Guangzhou.CreateClient());
        var foreignToken = foreign.GetProperty("access_token").GetString()!;

        // Valid at the node that issued it …
        using (var own = await Http.GetWithTokenAsync(_nodes.Guangzhou.CreateClient(), "/api/v1/identity/me", foreignToken))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        // … and refused by its neighbour.
        using var response = await Http.GetWithTokenAsync(_nodes.Shenzhen.CreateClient(), "/api/v1/identity/me", foreignToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Federation_client_token_carries_the_node_role()
    {
        var client = _nodes.Shenzhen.CreateClient();
        var token = await Http.ClientCredentialsAsync(client, "node-440000", "node-440000-secret");
        using var response = await Http.GetWithTokenAsync(client, "/api/v1/identity/me", token.GetProperty("access_token").GetString()!);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["node"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
    }

    [Fact]
    public async Task Pkce_plain_is_refused()
    {
        var client = _nodes.Shenzhen.CreateBrowserLikeClient();
        var url = "/connect/authorize?client_id=" + NodeFactory.WebClientId + "&response_type=code&scope=openid%20profile&redirect_uri="
            + Uri.EscapeDataString(NodeFactory.RedirectUri) + "&code_challenge=plainchallengeplainchallengeplainchallenge12&code_challenge_method=plain&state=s1";
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        // OpenIddict either answers 400 or redirects the error to the client; never a code.
        var location = response.Headers.Location?.ToString() ?? string.Empty;
        Assert.DoesNotContain("code=", location, StringComparison.Ordinal);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains("invalid_request", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith(NodeFactory.RedirectUri, location, StringComparison.Ordinal);
            Assert.Contains("error=invalid_request", location, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Authorization_code_with_pkce_s256_signs_a_staff_member_in()
    {
        var client = _nodes.Shenzhen.CreateBrowserLikeClient();
        using (var login = await Http.LoginAsync(client, "lead1", NodeFactory.DemoPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        }

        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var url = "/connect/authorize?client_id=" + NodeFactory.WebClientId + "&response_type=code&scope=openid%20profile%20roles&redirect_uri="
            + Uri.EscapeDataString(NodeFactory.RedirectUri) + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=s2";
        using var authorize = await client.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var query = HttpUtility.ParseQueryString(authorize.Headers.Location!.Query);
        var code = query["code"];
        Assert.False(string.IsNullOrEmpty(code), authorize.Headers.Location!.ToString());

        var token = await Http.TokenAsync(client, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = NodeFactory.WebClientId,
            ["code"] = code!,
            ["redirect_uri"] = NodeFactory.RedirectUri,
            ["code_verifier"] = verifier,
        });
        using var me = await Http.GetWithTokenAsync(_nodes.Shenzhen.CreateClient(), "/api/v1/identity/me", token.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("lead1", body.GetProperty("name").GetString());
        Assert.Contains("teamlead", body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Authorize_without_login_redirects_to_the_login_page()
    {
        var client = _nodes.Shenzhen.CreateBrowserLikeClient();
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var url = "/connect/authorize?client_id=" + NodeFactory.WebClientId + "&response_type=code&redirect_uri="
            + Uri.EscapeDataString(NodeFactory.RedirectUri) + "&code_challenge=" + Base64Url(SHA256.HashData("x"u8.ToArray())) + "&code_challenge_method=S256";
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
