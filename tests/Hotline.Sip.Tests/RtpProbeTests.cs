using Hotline.Sip.Tests.Support;

namespace Hotline.Sip.Tests;

public sealed class RtpProbeTests
{
    private static short[] Tone(double hz, int samples, int phaseFlipAt = -1)
    {
        var pcm = new short[samples];
        for (var i = 0; i < samples; i++)
        {
            var phase = i >= phaseFlipAt && phaseFlipAt >= 0 ? Math.PI : 0;
            pcm[i] = (short)(6000 * Math.Sin((2 * Math.PI * hz * i / 8000) + phase));
        }

        return pcm;
    }

    [Fact]
    public void Tone_share_survives_a_phase_jump_but_tells_one_tone_from_another()
    {
        var jumped = Tone(400, 8000 * 3, phaseFlipAt: 8000 * 3 / 2 + 37); // a re-anchored stream: same tone, new phase
        Assert.True(RtpProbe.ToneShare(jumped, 400) > 0.9, $"{RtpProbe.ToneShare(jumped, 400):F2}");
        Assert.True(RtpProbe.ToneShare(Tone(1000, 8000 * 3), 400) < 0.05);
        var mixed = Tone(400, 8000).Zip(Tone(1000, 8000), (a, b) => (short)(a / 2 + b / 2)).ToArray();
        Assert.InRange(RtpProbe.ToneShare(mixed, 400), 0.4, 0.6);
    }
}
