using System.Net;

namespace Hotline.Identity.Tests;

public sealed class LoginTests : IClassFixture<LoginTests.Node>
{
    private readonly NodeFactory _node;

    public LoginTests(Node node) => _node = node.Factory;

    public sealed class Node : IDisposable
    {
        public NodeFactory Factory { get; } = new("440300");

        public void Dispose() => Factory.Dispose();
    }

    [Fact]
    public async Task Agent_logs_in_and_lands_on_the_staff_home_page()
    {
        var client = _node.CreateBrowserLikeClient();
        using var login = await Http.LoginAsync(client, "agent1", NodeFactory.DemoPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/staff", login.Headers.Location!.OriginalString);

        var home = await client.GetStringAsync(new Uri("/staff", UriKind.Relative));
        Assert.Contains("话务员一", home, StringComparison.Ordinal);
        Assert.Contains("agent1", home, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"user-roles\">话务员</dd>", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staff_page_without_login_redirects_to_login()
    {
        var client = _node.CreateBrowserLikeClient();
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        using var response = await client.GetAsync(new Uri("/staff", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_shows_a_chinese_error()
    {
        using var response = await Http.LoginAsync(_node.CreateBrowserLikeClient(), "agent2", "Wrong-Passw0rd-1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("用户名或密码错误", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account()
    {
        var client = _node.CreateBrowserLikeClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await Http.LoginAsync(client, "inspector1", "Wrong-Passw0rd-" + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        // Even the right password is refused now.
        using var right = await Http.LoginAsync(client, "inspector1", NodeFactory.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("账户已锁定", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var staff = await client.GetAsync(new Uri("/api/v1/identity/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, staff.StatusCode);
    }

    [Fact]
    public async Task English_is_available()
    {
        var client = _node.CreateBrowserLikeClient();
        using var switched = await client.GetAsync(new Uri("/culture/en-US?returnUrl=%2Faccount%2Flogin", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        var page = await client.GetStringAsync(new Uri("/account/login", UriKind.Relative));
        Assert.Contains("Staff sign-in", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_page_is_chinese_by_default_even_for_an_english_browser()
    {
        var client = _node.CreateBrowserLikeClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-US");
        var page = await client.GetStringAsync(new Uri("/account/login", UriKind.Relative));
        Assert.Contains("工作人员登录", page, StringComparison.Ordinal);
    }
}
