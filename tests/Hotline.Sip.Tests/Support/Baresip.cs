using System.Globalization;
using System.Net;

namespace Hotline.Sip.Tests.Support;

/// <summary>
/// A baresip agent phone: registers with digest (auth_pass), answers by itself (answermode=auto) or rings until
/// cancelled (manual), sends a sine tone as the agent's voice and dumps what it hears (sndfile) to WAV.
/// </summary>
internal sealed class Baresip : IAsyncDisposable
{
    private readonly ExternalProcess _process;

    private readonly int _control;

    private Baresip(ExternalProcess process, string folder, int control)
    {
        _process = process;
        Folder = folder;
        _control = control;
    }

    public string Folder { get; }

    public string Output => _process.Output;

    public static Baresip Start(IPEndPoint registrar, string extension, string password, bool autoAnswer, int toneHz = 1000)
    {
        var folder = Directory.CreateTempSubdirectory("baresip-").FullName;
        var sipPort = FreePort.Both();
        var control = FreePort.Both();
        var dumps = Path.Combine(folder, "dumps");
        Directory.CreateDirectory(dumps);
        var config = string.Join('\n',
            "poll_method epoll",
            $"sip_listen 127.0.0.1:{sipPort.ToString(CultureInfo.InvariantCulture)}",
            "sip_trans_def udp",
            "audio_player aubridge,nil",
            $"audio_source ausine,{toneHz.ToString(CultureInfo.InvariantCulture)}",
            "audio_alert aubridge,nil",
            "ausrc_srate 48000",
            "auplay_srate 8000",
            "ausrc_channels 2",
            "rtp_timeout 0",
            "module_path /usr/lib/baresip/modules",
            "module g711.so",
            "module aubridge.so",
            "module ausine.so",
            "module sndfile.so",
            $"snd_path {dumps}",
            "module_app account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            $"ctrl_tcp_listen 127.0.0.1:{control.ToString(CultureInfo.InvariantCulture)}",
            "dns_server 127.0.0.1:53",
            string.Empty);
        File.WriteAllText(Path.Combine(folder, "config"), config);
        var mode = autoAnswer ? "auto" : "manual";
        File.WriteAllText(Path.Combine(folder, "accounts"),
            $"<sip:{extension}@{registrar.Address}:{registrar.Port.ToString(CultureInfo.InvariantCulture)};transport=udp>;auth_pass={password};answermode={mode};regint=300;audio_codecs=PCMU,PCMA\n");
        File.WriteAllText(Path.Combine(folder, "contacts"), string.Empty);
        var p = new ExternalProcess("baresip", ["-f", folder, "-v"], folder);
        return new Baresip(p, folder, control);
    }

    /// <summary>
    /// Runs a menu command (<c>hold</c>, <c>resume</c>, <c>transfer</c> …) through ctrl_tcp: a netstring with JSON
    /// <c>{"command", "params", "token"}</c>; returns baresip's response netstring.
    /// </summary>
    public async Task<string> CommandAsync(string command, string parameters = "")
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _control, cts.Token);
        var json = System.Text.Json.JsonSerializer.Serialize(new { command, @params = parameters, token = "t1" });
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":"), cts.Token);
        await stream.WriteAsync(bytes, cts.Token);
        await stream.WriteAsync(","u8.ToArray(), cts.Token);
        var buffer = new byte[4096];
        var text = new System.Text.StringBuilder();
        while (!text.ToString().Contains("\"response\"", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, cts.Token);
            if (n == 0)
            {
                break;
            }

            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    /// <summary>WAV files sndfile wrote (decoded audio heard from the far end and what was sent).</summary>
    public string[] Dumps() => Directory.GetFiles(Path.Combine(Folder, "dumps"), "*.wav");

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
