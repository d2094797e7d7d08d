using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hotline.Telephony.Sip.Registrar;

/// <summary>Outcome of checking an Authorization header.</summary>
internal enum DigestOutcome
{
    /// <summary>No or unusable credentials: challenge (401/407).</summary>
    Challenge,
    /// <summary>Right password but an expired nonce: challenge again with stale=true.</summary>
    Stale,
    /// <summary>Credentials match.</summary>
    Ok,
    /// <summary>Wrong password or unknown user: 403.</summary>
    Forbidden,
    /// <summary>Too many failures from this source for this user: 403 until the lockout ends.</summary>
    LockedOut,
}

/// <summary>
/// HTTP digest for SIP (RFC 3261 §22, RFC 2617/7616): MD5 with qop=auth, SHA-256 optional. Nonces are stateless
/// (time + HMAC) so they expire without server state; repeated failures per user and source lock out brute force.
/// </summary>
internal sealed class DigestAuthenticator
{
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Failures> _failures = new();

    public DigestAuthenticator(string realm, TimeProvider time, TimeSpan nonceLifetime, int lockoutThreshold, TimeSpan lockoutDuration)
    {
        Realm = realm;
        _time = time;
        NonceLifetime = nonceLifetime;
        LockoutThreshold = lockoutThreshold;
        LockoutDuration = lockoutDuration;
    }

    public string Realm { get; }

    public TimeSpan NonceLifetime { get; }

    public int LockoutThreshold { get; }

    public TimeSpan LockoutDuration { get; }

    public string NewNonce()
    {
        var stamp = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture);
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes(stamp)))[..16];
        return stamp + mac;
    }

    public string Challenge(bool stale = false, string algorithm = "MD5") =>
        $"Digest realm=\"{Realm}\", nonce=\"{NewNonce()}\", algorithm={algorithm}, qop=\"auth\"" + (stale ? ", stale=true" : string.Empty);

    /// <summary>Checks <paramref name="authorization"/> for <paramref name="method"/> against the password lookup.</summary>
    public DigestOutcome Verify(string? authorization, string method, string source, Func<string, string?> passwordOf, out string? user)
    {
        user = null;
        if (authorization is null || !TryParse(authorization, out var p))
        {
            return DigestOutcome.Challenge;
        }

        p.TryGetValue("username", out user);
        if (user is null || !p.TryGetValue("nonce", out var nonce) || !p.TryGetValue("response", out var response)
            || !p.TryGetValue("uri", out var uri) || !p.TryGetValue("realm", out var realm) || realm != Realm)
        {
            return DigestOutcome.Challenge;
        }

        var failureKey = user + "|" + source;
        var now = _time.GetUtcNow();
        if (_failures.TryGetValue(failureKey, out var f) && f.LockedUntil > now)
        {
            return DigestOutcome.LockedOut;
        }

        if (!NonceIsOurs(nonce, out var issued))
        {
            return DigestOutcome.Challenge;
        }

        var password = passwordOf(user);
        p.TryGetValue("algorithm", out var algorithm);
        p.TryGetValue("qop", out var qop);
        p.TryGetValue("nc", out var nc);
        p.TryGetValue("cnonce", out var cnonce);
        var expected = password is null ? null : Response(algorithm ?? "MD5", user, Realm, password, method, uri, nonce, qop, nc, cnonce);
        if (expected is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(response.ToLowerInvariant())))
        {
            var updated = _failures.AddOrUpdate(failureKey, _ => new Failures(1, DateTimeOffset.MinValue),
                (_, old) => old with { Count = old.Count + 1 });
            if (updated.Count >= LockoutThreshold)
            {
                _failures[failureKey] = new Failures(0, now + LockoutDuration);
            }

            return DigestOutcome.Forbidden;
        }

        if (now - issued > NonceLifetime)
        {
            return DigestOutcome.Stale;
        }

        _failures.TryRemove(failureKey, out _);
        return DigestOutcome.Ok;
    }

    private bool NonceIsOurs(string nonce, out DateTimeOffset issued)
    {
        issued = default;
        if (nonce.Length <= 16)
        {
            return false;
        }

        var stamp = nonce[..^16];
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes(stamp)))[..16];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(mac), Encoding.ASCII.GetBytes(nonce[^16..]))
            || !long.TryParse(stamp, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var ms))
        {
            return false;
        }

        issued = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return true;
    }

    /// <summary>The digest response (RFC 2617 §3.2.2.1; RFC 7616 for SHA-256).</summary>
    public static string Response(string algorithm, string user, string realm, string password, string method, string uri,
        string nonce, string? qop, string? nc, string? cnonce)
    {
        Func<string, string> h = algorithm.Equals("SHA-256", StringComparison.OrdinalIgnoreCase)
            ? s => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))
#pragma warning disable CA5351 // MD5 is what SIP digest (RFC 2617) mandates
            : s => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));
#pragma warning restore CA5351
        var ha1 = h($"{user}:{realm}:{password}");
        var ha2 = h($"{method}:{uri}");
        return qop is null ? h($"{ha1}:{nonce}:{ha2}") : h($"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
    }

    /// <summary>Parses <c>Digest k=v, k="v"</c>.</summary>
    public static bool TryParse(string header, out Dictionary<string, string> parameters)
    {
        parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        header = header.Trim();
        if (!header.StartsWith("Digest", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var s = header[6..];
        var i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == ',' || s[i] == '\t'))
            {
                i++;
            }

            var eq = s.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = s[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < s.Length && s[i] == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < s.Length && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        i++;
                    }

                    sb.Append(s[i++]);
                }

                i++;
                value = sb.ToString();
            }
            else
            {
                var comma = s.IndexOf(',', i);
                value = (comma < 0 ? s[i..] : s[i..comma]).Trim();
                i = comma < 0 ? s.Length : comma;
            }

            parameters[key] = value;
        }

        return parameters.Count > 0;
    }

    private sealed record Failures(int Count, DateTimeOffset LockedUntil);
}
