using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Hotline.Telephony.Media;

/// <summary>
/// The IVR's spoken prompts (语音提示), synthesized in Mandarin with espeak-ng (cmn-latn-pinyin voice, pinyin with tone
/// numbers) and converted by sox to 8 kHz mono 16-bit WAV in the data folder on first start; never downloaded.
/// Music on hold and the beep are generated in code.
/// </summary>
internal sealed class PromptLibrary
{
    public const string Welcome = "welcome";
    public const string Menu = "menu";
    public const string Hold = "hold";
    public const string Voicemail = "voicemail";
    public const string AfterHours = "afterhours";
    public const string Invalid = "invalid";
    public const string CallbackOffer = "callback_offer";
    public const string CallbackConfirmed = "callback_confirmed";

    private static readonly string[] CountPinyin = ["", "yi2", "liang3", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3"];

    /// <summary>Minutes as spoken Chinese numerals: 一 两 三 … 十 (一分钟, 两分钟 …).</summary>
    private static readonly string[] MinutePinyin = ["", "yi4", "liang3", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3", "shi2"];

    /// <summary>Prompt name → pinyin text (欢迎致电一二三二八交通运输服务监督电话 …).</summary>
    public static IReadOnlyDictionary<string, string> Texts { get; } = BuildTexts();

    private readonly Dictionary<string, short[]> _clips = new(StringComparer.Ordinal);
    private readonly string _folder;
    private readonly ILogger _logger;

    public PromptLibrary(string folder, ILogger logger)
    {
        _folder = folder;
        _logger = logger;
    }

    public short[] MusicOnHold { get; } = Melody();

    public short[] Beep { get; } = Tone(1000, 0.4);

    public short[] Get(string name) => _clips.TryGetValue(name, out var c) ? c : Beep;

    public short[] Position(int ahead) => Get("position_" + Math.Clamp(ahead, 1, 10).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The estimated-wait prompt: 预计等待时间不到一分钟 / 约N分钟 (N = 一 … 十, rounded up) / 超过十分钟.
    /// </summary>
    public short[] Wait(TimeSpan estimate) => Get(WaitName(estimate));

    public static string WaitName(TimeSpan estimate)
    {
        var minutes = (int)Math.Ceiling(estimate.TotalMinutes - 0.0001);
        return "wait_" + (estimate < TimeSpan.FromSeconds(45) ? 0 : Math.Clamp(minutes, 1, 11)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public string PathOf(string name) => Path.Combine(_folder, name + ".wav");

    /// <summary>Makes missing prompt files, then loads them all.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        foreach (var (name, text) in Texts)
        {
            var path = PathOf(name);
            if (!File.Exists(path))
            {
                await SynthesizeAsync(name, text, path, cancellationToken).ConfigureAwait(false);
            }

            if (File.Exists(path))
            {
                _clips[name] = WavReader.ReadMono8k(path);
            }
        }
    }

    private async Task SynthesizeAsync(string name, string pinyin, string path, CancellationToken ct)
    {
        var unique = Guid.NewGuid().ToString("N");
        var raw = $"{path}.{unique}.espeak.wav";
        try
        {
            if (await RunAsync("espeak-ng", ["-v", "cmn-latn-pinyin", "-s", "150", "-w", raw, pinyin], ct).ConfigureAwait(false) is { } e1)
            {
                TelephonyLog.PromptFailed(_logger, name, e1);
                return;
            }

            var tmp = $"{path}.{unique}.tmp.wav";
            if (await RunAsync("sox", [raw, "-r", "8000", "-c", "1", "-b", "16", tmp, "gain", "-n", "-3"], ct).ConfigureAwait(false) is { } e2)
            {
                TelephonyLog.PromptFailed(_logger, name, e2);
                return;
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(raw);
        }
    }

    private static async Task<string?> RunAsync(string file, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(psi)!;
            var err = await p.StandardError.ReadToEndAsync(ct).ConfigureAwait(false);
            await p.WaitForExitAsync(ct).ConfigureAwait(false);
            return p.ExitCode == 0 ? null : $"{file} exited {p.ExitCode}: {err}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{file} not found: {ex.Message}";
        }
    }

    private static Dictionary<string, string> BuildTexts()
    {
        var t = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // 欢迎致电一二三二八交通运输服务监督电话。
            [Welcome] = "huan1 ying2 zhi4 dian4 yao1 er4 san1 er4 ba1 jiao1 tong1 yun4 shu1 fu2 wu4 jian1 du1 dian4 hua4.",
            // 投诉举报请按一，咨询请按二，建议请按三，查询办理进度请按四，人工服务请按零。
            [Menu] = "tou2 su4 ju3 bao4 qing3 an4 yi1. zi1 xun2 qing3 an4 er4. jian4 yi4 qing3 an4 san1. "
                     + "cha2 xun2 ban4 li3 jin4 du4 qing3 an4 si4. ren2 gong1 fu2 wu4 qing3 an4 ling2.",
            // 正在为您转接人工坐席，请稍候。
            [Hold] = "zheng4 zai4 wei4 nin2 zhuan3 jie1 ren2 gong1 zuo4 xi2, qing3 shao1 hou4.",
            // 现在坐席忙，请在嘀声后留言，我们将尽快回复。
            [Voicemail] = "xian4 zai4 zuo4 xi2 mang2, qing3 zai4 di1 sheng1 hou4 liu2 yan2, wo3 men jiang1 jin3 kuai4 hui2 fu4.",
            // 现在是非工作时间，请在嘀声后留言。
            [AfterHours] = "xian4 zai4 shi4 fei1 gong1 zuo4 shi2 jian1, qing3 zai4 di1 sheng1 hou4 liu2 yan2.",
            // 输入有误，请重新选择。
            [Invalid] = "shu1 ru4 you3 wu4, qing3 chong2 xin1 xuan3 ze2.",
        };
        for (var n = 1; n <= 9; n++)
        {
            // 您前面还有N位，请耐心等待。
            t["position_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                $"nin2 qian2 mian4 hai2 you3 {CountPinyin[n]} wei4, qing3 nai4 xin1 deng3 dai4.";
        }

        // 预计等待时间不到一分钟。 / 预计等待时间约N分钟。 / 预计等待时间超过十分钟。
        t["wait_0"] = "yu4 ji4 deng3 dai4 shi2 jian1 bu2 dao4 yi4 fen1 zhong1.";
        for (var m = 1; m <= 10; m++)
        {
            t["wait_" + m.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                $"yu4 ji4 deng3 dai4 shi2 jian1 yue1 {MinutePinyin[m]} fen1 zhong1.";
        }

        t["wait_11"] = "yu4 ji4 deng3 dai4 shi2 jian1 chao1 guo4 shi2 fen1 zhong1.";

        // 现在坐席忙，如需回电请按一，留言请稍候。
        t[CallbackOffer] = "xian4 zai4 zuo4 xi2 mang2, ru2 xu1 hui2 dian4 qing3 an4 yi1, liu2 yan2 qing3 shao1 hou4.";
        // 已为您登记回电，我们将尽快与您联系，再见。
        t[CallbackConfirmed] = "yi3 wei4 nin2 deng1 ji4 hui2 dian4, wo3 men jiang1 jin3 kuai4 yu3 nin2 lian2 xi4, zai4 jian4.";

        // 您前面还有多位…
        t["position_10"] = "nin2 qian2 mian4 hai2 you3 duo1 wei4, qing3 nai4 xin1 deng3 dai4.";
        return t;
    }

    private static short[] Tone(double hz, double seconds, double amplitude = 8000)
    {
        var n = (int)(seconds * 8000);
        var s = new short[n];
        for (var i = 0; i < n; i++)
        {
            s[i] = (short)(amplitude * Math.Sin(2 * Math.PI * hz * i / 8000));
        }

        return s;
    }

    private static short[] Melody()
    {
        double[] notes = [523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46];
        return notes.SelectMany(f => Tone(f, 0.5, 3000)).ToArray();
    }
}

/// <summary>Plays a queue of clips into 20 ms frames, optionally looping a background clip (music on hold) after.</summary>
internal sealed class AudioPlayer
{
    private readonly Queue<short[]> _queue = new();
    private readonly Lock _gate = new();
    private short[]? _current;
    private int _pos;
    private short[]? _loop;

    /// <summary>Raised (on the media clock) when the queued clips have all played.</summary>
    public event Action? Finished;

    public bool Playing
    {
        get
        {
            lock (_gate)
            {
                return _current is not null || _queue.Count > 0;
            }
        }
    }

    public void Play(IEnumerable<short[]> clips, short[]? thenLoop = null, bool interrupt = true)
    {
        lock (_gate)
        {
            if (interrupt)
            {
                _queue.Clear();
                _current = null;
                _pos = 0;
            }

            foreach (var c in clips)
            {
                _queue.Enqueue(c);
            }

            _loop = thenLoop;
        }
    }

    public void Stop()
    {
        lock (_gate)
        {
            _queue.Clear();
            _current = null;
            _loop = null;
        }
    }

    /// <summary>Fills the next frame; silence when nothing plays.</summary>
    public void Next(Span<short> frame)
    {
        var finished = false;
        lock (_gate)
        {
            var filled = 0;
            while (filled < frame.Length)
            {
                if (_current is null || _pos >= _current.Length)
                {
                    if (_queue.Count > 0)
                    {
                        _current = _queue.Dequeue();
                        _pos = 0;
                    }
                    else if (_loop is not null)
                    {
                        if (_current is not null && !ReferenceEquals(_current, _loop))
                        {
                            finished = true;
                        }

                        _current = _loop;
                        _pos = 0;
                    }
                    else
                    {
                        if (_current is not null)
                        {
                            finished = true;
                        }

                        _current = null;
                        frame[filled..].Clear();
                        break;
                    }
                }

                var n = Math.Min(frame.Length - filled, _current.Length - _pos);
                _current.AsSpan(_pos, n).CopyTo(frame[filled..]);
                _pos += n;
                filled += n;
            }
        }

        if (finished)
        {
            Finished?.Invoke();
        }
    }
}
