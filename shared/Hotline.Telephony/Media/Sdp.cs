using System.Globalization;
using System.Net;
using System.Text;

namespace Hotline.Telephony.Media;

/// <summary>The audio part of an SDP body (RFC 8866) and the offer/answer choice of RFC 3264 for G.711.</summary>
internal sealed record SdpAudio(IPAddress Address, int Port, IReadOnlyList<int> PayloadTypes, int? TelephoneEvent, int Ptime, string Direction)
{
    public static bool TryParse(string? sdp, out SdpAudio audio)
    {
        audio = null!;
        if (string.IsNullOrWhiteSpace(sdp))
        {
            return false;
        }

        IPAddress? sessionAddr = null, mediaAddr = null;
        int? port = null;
        var pts = new List<int>();
        int? te = null;
        var ptime = 20;
        var direction = "sendrecv";
        var inAudio = false;
        var seenMedia = false;
        foreach (var raw in sdp.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length < 2 || line[1] != '=')
            {
                continue;
            }

            var value = line[2..];
            switch (line[0])
            {
                case 'c':
                    var parts = value.Split(' ');
                    if (parts.Length >= 3 && IPAddress.TryParse(parts[2].Split('/')[0], out var ip))
                    {
                        if (!seenMedia)
                        {
                            sessionAddr = ip;
                        }
                        else if (inAudio)
                        {
                            mediaAddr = ip;
                        }
                    }

                    break;
                case 'm':
                    seenMedia = true;
                    var m = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    inAudio = m.Length >= 4 && m[0] == "audio" && port is null;
                    if (inAudio && int.TryParse(m[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                    {
                        port = p;
                        foreach (var f in m.Skip(3))
                        {
                            if (int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var pt))
                            {
                                pts.Add(pt);
                            }
                        }
                    }

                    break;
                case 'a' when inAudio:
                    if (value.StartsWith("rtpmap:", StringComparison.OrdinalIgnoreCase))
                    {
                        var sp = value.IndexOf(' ', StringComparison.Ordinal);
                        if (sp > 7 && int.TryParse(value[7..sp], NumberStyles.None, CultureInfo.InvariantCulture, out var pt)
                            && value[(sp + 1)..].StartsWith("telephone-event/8000", StringComparison.OrdinalIgnoreCase))
                        {
                            te = pt;
                        }
                    }
                    else if (value.StartsWith("ptime:", StringComparison.OrdinalIgnoreCase)
                             && int.TryParse(value[6..], NumberStyles.None, CultureInfo.InvariantCulture, out var pv) && pv is >= 10 and <= 120)
                    {
                        ptime = pv;
                    }
                    else if (value is "sendrecv" or "sendonly" or "recvonly" or "inactive")
                    {
                        direction = value;
                    }

                    break;
            }
        }

        var addr = mediaAddr ?? sessionAddr;
        if (addr is null || port is null)
        {
            return false;
        }

        audio = new SdpAudio(addr, port.Value, pts, te, ptime, direction);
        return true;
    }

    /// <summary>PCMU if offered, else PCMA, else none (488).</summary>
    public int? ChooseCodec() => PayloadTypes.FirstOrDefault(pt => pt is 0 or 8, -1) is var pt && pt >= 0 ? pt : null;

    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>Our SDP: one audio stream with the chosen codec and telephone-event.</summary>
    /// <remarks><paramref name="version"/> (o= line) must grow with every changed offer or answer (RFC 3264 §8); default: the session id.</remarks>
    public static string Build(IPAddress address, int port, IEnumerable<int> codecs, int telephoneEvent, long sessionId, string direction = "sendrecv",
        long? version = null)
    {
        var ip = address.ToString();
        var codecList = codecs.ToList();
        var sb = new StringBuilder();
        sb.Append("v=0\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"o=hotline {sessionId} {version ?? sessionId} IN IP4 {ip}\r\n");
        sb.Append("s=Hotline 12328\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"c=IN IP4 {ip}\r\n");
        sb.Append("t=0 0\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"m=audio {port} RTP/AVP {string.Join(' ', codecList)} {telephoneEvent}\r\n");
        foreach (var c in codecList)
        {
            sb.Append(c == 8 ? "a=rtpmap:8 PCMA/8000\r\n" : "a=rtpmap:0 PCMU/8000\r\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"a=rtpmap:{telephoneEvent} telephone-event/8000\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"a=fmtp:{telephoneEvent} 0-16\r\n");
        sb.Append("a=ptime:20\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"a={direction}\r\n");
        return sb.ToString();
    }
}
