using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Hotline.Identity.Data;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Identity.Tests;

/// <summary>An agent's <c>extension</c> user claim (8001 for agent1) reaches their login cookie and their tokens.</summary>
public sealed class AgentExtensionClaimTests : IClassFixture<AgentExtensionClaimTests.Node>
{
    private readonly NodeFactory _node;

    public AgentExtensionClaimTests(Node node) => _node = node.Factory;

    /// <summary>A city whose agent1 answers on 8001 and agent2 has no extension.</summary>
    public sealed class Node : IDisposable
    {
        public Node()
        {
            using var client = Factory.CreateClient(); // starts the node and seeds the demo users
            using var scope = Factory.Services.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
            var agent = users.FindByNameAsync("agent1").GetAwaiter().GetResult()!;
            if (!users.GetClaimsAsync(agent).GetAwaiter().GetResult().Any(c => c.Type == HotlineClaims.Extension))
            {
                Assert.True(users.AddClaimAsync(agent, new Claim(HotlineClaims.Extension, "8001")).GetAwaiter().GetResult().Succeeded);
            }
        }

        public NodeFactory Factory { get; } = new("440300");

        public void Dispose() => Factory.Dispose();
    }

    [Fact]
    public async Task The_login_cookie_carries_the_extension()
    {
        var browser = _node.CreateBrowserLikeClient();
        using (var login = await Http.LoginAsync(browser, "agent1", NodeFactory.DemoPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        }

        var me = await browser.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/identity/me", UriKind.Relative));
        Assert.Equal("agent1", me.GetProperty("name").GetString());
        Assert.Equal("8001", me.GetProperty("extension").GetString());
    }

    [Fact]
    public async Task The_access_token_carries_the_extension_and_others_have_none()
    {
        Assert.Equal("8001", (await MeWithTokenAsync("agent1")).GetProperty("extension").GetString());
        Assert.Equal(JsonValueKind.Null, (await MeWithTokenAsync("agent2")).GetProperty("extension").ValueKind);
    }

    private async Task<JsonElement> MeWithTokenAsync(string user)
    {
        var browser = _node.CreateBrowserLikeClient();
        using (var login = await Http.LoginAsync(browser, user, NodeFactory.DemoPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        }

        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var url = "/connect/authorize?client_id=" + NodeFactory.WebClientId + "&response_type=code&scope=openid%20profile%20roles&redirect_uri="
            + Uri.EscapeDataString(NodeFactory.RedirectUri) + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=x";
        using var authorize = await browser.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var code = HttpUtility.ParseQueryString(authorize.Headers.Location!.Query)["code"];
        Assert.False(string.IsNullOrEmpty(code));

        var token = await Http.TokenAsync(browser, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = NodeFactory.WebClientId,
            ["code"] = code!,
            ["redirect_uri"] = NodeFactory.RedirectUri,
            ["code_verifier"] = verifier,
        });
        using var me = await Http.GetWithTokenAsync(_node.CreateClient(), "/api/v1/identity/me", token.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user, body.GetProperty("name").GetString());
        return body;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
