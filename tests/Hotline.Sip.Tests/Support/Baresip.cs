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

    private Baresip(ExternalProcess process, string folder)
    {
        _process = process;
        Folder = folder;
    }

    public string Folder { get; }

    public string Output => _process.Output;

    public static Baresip Start(IPEndPoint registrar, string extension, string password, bool autoAnswer, int toneHz = 1000)
    {
        var folder = Directory.CreateTempSubdirectory("baresip-").FullName;
        var sipPort = FreePort.Both();
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
            "dns_server 127.0.0.1:53",
            string.Empty);
        File.WriteAllText(Path.Combine(folder, "config"), config);
        var mode = autoAnswer ? "auto" : "manual";
        File.WriteAllText(Path.Combine(folder, "accounts"),
            $"<sip:{extension}@{registrar.Address}:{registrar.Port.ToString(CultureInfo.InvariantCulture)};transport=udp>;auth_pass={password};answermode={mode};regint=300;audio_codecs=PCMU,PCMA\n");
        File.WriteAllText(Path.Combine(folder, "contacts"), string.Empty);
        var p = new ExternalProcess("baresip", ["-f", folder, "-v"], folder);
        return new Baresip(p, folder);
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
