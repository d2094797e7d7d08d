using System.Collections.Concurrent;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transport;

namespace Hotline.Telephony.Sip.Registrar;

/// <summary>Where a registered extension can be reached.</summary>
internal sealed record Registration(string Extension, string Contact, SipPeer Peer, DateTimeOffset Expires);

/// <summary>The location service (RFC 3261 §10): extension → current contact, with expiry.</summary>
internal sealed class Registrar
{
    private readonly ConcurrentDictionary<string, Registration> _bindings = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public Registrar(TimeProvider time) => _time = time;

    public event Action<Registration, bool>? Changed;

    public int Count => _bindings.Count(b => b.Value.Expires > _time.GetUtcNow());

    public Registration? Find(string extension) =>
        _bindings.TryGetValue(extension, out var r) && r.Expires > _time.GetUtcNow() ? r : null;

    public IReadOnlyCollection<Registration> All => _bindings.Values.Where(r => r.Expires > _time.GetUtcNow()).ToList();

    /// <summary>Applies an authenticated REGISTER and builds the 200 with the current bindings.</summary>
    public SipResponse Apply(SipRequest request, SipPeer peer, string extension, string toTag)
    {
        var contacts = request.Headers.GetAll("Contact");
        var expiresHeader = int.TryParse(request.Headers["Expires"], out var e) ? e : 3600;
        if (contacts.Count == 1 && contacts[0].Trim() == "*")
        {
            Remove(extension);
            return request.CreateResponse(200, toTag: toTag);
        }

        foreach (var c in contacts)
        {
            if (!NameAddress.TryParse(c, out var addr))
            {
                continue;
            }

            var expires = addr.Parameters.TryGetValue("expires", out var pe) && int.TryParse(pe, out var pv) ? pv : expiresHeader;
            expires = Math.Clamp(expires, 0, 7200);
            if (expires == 0)
            {
                Remove(extension);
                continue;
            }

            var reg = new Registration(extension, addr.Uri, peer, _time.GetUtcNow().AddSeconds(expires));
            _bindings[extension] = reg;
            Changed?.Invoke(reg, true);
        }

        var ok = request.CreateResponse(200, toTag: toTag);
        if (Find(extension) is { } current)
        {
            var left = (int)Math.Max(1, (current.Expires - _time.GetUtcNow()).TotalSeconds);
            ok.Headers.Add("Contact", $"<{current.Contact}>;expires={left}");
        }

        return ok;
    }

    private void Remove(string extension)
    {
        if (_bindings.TryRemove(extension, out var old))
        {
            Changed?.Invoke(old, false);
        }
    }
}
