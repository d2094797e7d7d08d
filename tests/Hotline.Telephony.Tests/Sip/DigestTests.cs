using Hotline.Telephony.Sip.Registrar;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Telephony.Tests.Sip;

public class DigestTests
{
    [Fact]
    public void Issue_test_vector()
    {
        var response = DigestAuthenticator.Response("MD5", "agent1001", "12328.local", "s3cret", "REGISTER", "sip:127.0.0.1:5110",
            "263051abcdef", "auth", "00000001", "6b8b4567");
        Assert.Equal("6f5baae3013ddb0ead2456cbdc8c5a46", response);
    }

    private static (DigestAuthenticator Auth, FakeTimeProvider Clock) Make(int lockout = 3)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        return (new DigestAuthenticator("12328.local", clock, TimeSpan.FromMinutes(5), lockout, TimeSpan.FromMinutes(10)), clock);
    }

    private static string Authorization(DigestAuthenticator auth, string password, string? nonce = null, string algorithm = "MD5")
    {
        nonce ??= auth.NewNonce();
        var resp = DigestAuthenticator.Response(algorithm, "8001", "12328.local", password, "REGISTER", "sip:127.0.0.1", nonce, "auth", "00000001", "abcd");
        return $"Digest username=\"8001\", realm=\"12328.local\", nonce=\"{nonce}\", uri=\"sip:127.0.0.1\", response=\"{resp}\", algorithm={algorithm}, qop=auth, nc=00000001, cnonce=\"abcd\"";
    }

    [Fact]
    public void Accepts_right_password_md5_and_sha256()
    {
        var (auth, _) = Make();
        Assert.Equal(DigestOutcome.Ok, auth.Verify(Authorization(auth, "pw"), "REGISTER", "1.2.3.4", _ => "pw", out var user));
        Assert.Equal("8001", user);
        Assert.Equal(DigestOutcome.Ok, auth.Verify(Authorization(auth, "pw", algorithm: "SHA-256"), "REGISTER", "1.2.3.4", _ => "pw", out _));
    }

    [Fact]
    public void Wrong_password_is_forbidden_and_repeated_failures_lock_out()
    {
        var (auth, clock) = Make(lockout: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(DigestOutcome.Forbidden, auth.Verify(Authorization(auth, "bad"), "REGISTER", "1.2.3.4", _ => "pw", out _));
        }

        Assert.Equal(DigestOutcome.LockedOut, auth.Verify(Authorization(auth, "pw"), "REGISTER", "1.2.3.4", _ => "pw", out _));
        Assert.Equal(DigestOutcome.Ok, auth.Verify(Authorization(auth, "pw"), "REGISTER", "5.6.7.8", _ => "pw", out _));
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(DigestOutcome.Ok, auth.Verify(Authorization(auth, "pw"), "REGISTER", "1.2.3.4", _ => "pw", out _));
    }

    [Fact]
    public void Expired_nonce_is_stale_and_foreign_nonce_is_challenged()
    {
        var (auth, clock) = Make();
        var nonce = auth.NewNonce();
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(DigestOutcome.Stale, auth.Verify(Authorization(auth, "pw", nonce), "REGISTER", "1.2.3.4", _ => "pw", out _));
        Assert.Equal(DigestOutcome.Challenge, auth.Verify(Authorization(auth, "pw", "263051abcdef"), "REGISTER", "1.2.3.4", _ => "pw", out _));
        Assert.Equal(DigestOutcome.Challenge, auth.Verify(null, "REGISTER", "1.2.3.4", _ => "pw", out _));
        Assert.Contains("stale=true", auth.Challenge(stale: true), StringComparison.Ordinal);
    }
}
