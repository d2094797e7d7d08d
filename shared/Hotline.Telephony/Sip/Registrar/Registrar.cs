using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hotline.Telephony.Sip.Messages;
using Hotline.Telephony.Sip.Transport;

namespace Hotline.Telephony.Sip.Registrar;

/// <summary>
/// One binding of an extension (RFC 3261 §10): the Contact it registered and <paramref name="Peer"/>, where requests to
/// it are sent — the Contact's own address, or the flow the REGISTER came by where the Contact cannot be reached
/// (see <see cref="Registrar.Reach"/>).
/// </summary>
internal sealed record Registration(string Extension, string Contact, SipPeer Peer, DateTimeOffset Expires);

/// <summary>
/// The location service (RFC 3261 §10): extension → its bindings, each with its own expiry, so a desk phone and a
/// softphone (or a phone registered by a third party) share an extension and all ring.
/// </summary>
internal sealed class Registrar
{
    private readonly ConcurrentDictionary<string, Registration[]> _bindings = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    public Registrar(TimeProvider time) => _time = time;

    /// <summary>A binding was added or refreshed (true), or an extension's last binding went (false).</summary>
    public event Action<Registration, bool>? Changed;

    /// <summary>Extensions with at least one live binding.</summary>
    public int Count => _bindings.Count(b => Live(b.Value).Any());

    /// <summary>The extension's most recently registered live binding.</summary>
    public Registration? Find(string extension) =>
        _bindings.TryGetValue(extension, out var all) ? Live(all).MaxBy(r => r.Expires) : null;

    /// <summary>Every live binding of the extension (each is rung).</summary>
    public IReadOnlyList<Registration> FindAll(string extension) =>
        _bindings.TryGetValue(extension, out var all) ? Live(all).ToList() : [];

    public IReadOnlyCollection<Registration> All => _bindings.Values.SelectMany(Live).ToList();

    /// <summary>
    /// Applies an authenticated REGISTER and builds the 200 listing every current binding with its expiry. <c>*</c>
    /// with <c>Expires: 0</c> removes them all; a Contact with expires 0 removes that one.
    /// </summary>
    public SipResponse Apply(SipRequest request, SipPeer peer, string extension, string toTag)
    {
        var contacts = request.Headers.GetAll("Contact").SelectMany(SipHeaders.SplitList).ToList();
        var expiresHeader = int.TryParse(request.Headers["Expires"], out var e) ? e : 3600;
        var now = _time.GetUtcNow();
        var added = new List<Registration>();
        Registration? lastRemoved = null;
        bool gone;
        lock (_gate)
        {
            var current = _bindings.TryGetValue(extension, out var existing) ? Live(existing).ToList() : [];
            var had = current.Count > 0;
            if (contacts.Count == 1 && contacts[0].Trim() == "*")
            {
                lastRemoved = current.LastOrDefault();
                current.Clear();
            }

            foreach (var c in contacts)
            {
                if (!NameAddress.TryParse(c, out var addr) || addr.Uri == "*")
                {
                    continue;
                }

                var expires = addr.Parameters.TryGetValue("expires", out var pe) && int.TryParse(pe, out var pv) ? pv : expiresHeader;
                expires = Math.Clamp(expires, 0, 7200);
                var index = current.FindIndex(r => SameContact(r.Contact, addr.Uri));
                if (index >= 0)
                {
                    lastRemoved = current[index];
                    current.RemoveAt(index);
                }

                if (expires > 0)
                {
                    var reg = new Registration(extension, addr.Uri, Reach(addr.Uri, peer), now.AddSeconds(expires));
                    current.Add(reg);
                    added.Add(reg);
                }
            }

            if (current.Count == 0)
            {
                _bindings.TryRemove(extension, out _);
            }
            else
            {
                _bindings[extension] = [.. current];
            }

            gone = had && current.Count == 0;
        }

        foreach (var reg in added)
        {
            Changed?.Invoke(reg, true);
        }

        if (gone && lastRemoved is not null)
        {
            Changed?.Invoke(lastRemoved, false);
        }

        var ok = request.CreateResponse(200, toTag: toTag);
        foreach (var binding in FindAll(extension))
        {
            var left = (int)Math.Max(1, (binding.Expires - now).TotalSeconds);
            ok.Headers.Add("Contact", string.Create(CultureInfo.InvariantCulture, $"<{binding.Contact}>;expires={left}"));
        }

        return ok;
    }

    /// <summary>
    /// Where requests to a Contact go: the Contact's own address (a phone registered from another socket, or by a third
    /// party, is reached where it said), except where the rules call for the flow the REGISTER came by — a TCP
    /// connection (a phone behind NAT cannot be connected to; RFC 5626 flows), an <c>;ob</c> Contact (RFC 5626 §5), a
    /// host name (no resolver here), an unspecified address, a private or loopback Contact sent from elsewhere (the
    /// phone is behind NAT, or names an address only it can reach).
    /// </summary>
    internal static SipPeer Reach(string contact, SipPeer source)
    {
        if (source.IsReliable || !SipUri.TryParse(contact, out var uri) || uri.Parameters.ContainsKey("ob")
            || uri.Transport is { } transport && !transport.Equals("udp", StringComparison.OrdinalIgnoreCase)
            || !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)
            || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return source;
        }

        var from = source.Remote.Address.IsIPv4MappedToIPv6 ? source.Remote.Address.MapToIPv4() : source.Remote.Address;
        if (IPAddress.IsLoopback(address) && !IPAddress.IsLoopback(from) || IsPrivate(address) && !IsPrivate(from) && !IPAddress.IsLoopback(from))
        {
            return source;
        }

        var target = new IPEndPoint(address, uri.Port ?? 5060);
        return target.Equals(source.Remote) ? source : source with { Remote = target };
    }

    private static bool IsPrivate(IPAddress a)
    {
        if (a.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return a.IsIPv6LinkLocal || a.IsIPv6UniqueLocal || a.IsIPv6SiteLocal;
        }

        var b = a.GetAddressBytes();
        return b[0] == 10 || b[0] == 172 && b[1] is >= 16 and <= 31 || b[0] == 192 && b[1] == 168 || b[0] == 169 && b[1] == 254
            || b[0] == 100 && b[1] is >= 64 and <= 127; // RFC 1918, link-local, carrier-grade NAT
    }

    /// <summary>RFC 3261 §10.3: Contacts compare as URIs; enough here: scheme, user and host case-insensitively, the rest exactly.</summary>
    private static bool SameContact(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private IEnumerable<Registration> Live(Registration[] all)
    {
        var now = _time.GetUtcNow();
        return all.Where(r => r.Expires > now);
    }
}
