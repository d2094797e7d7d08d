using Hotline.Telephony.Media;

namespace Hotline.Telephony.Tests.CallControl;

/// <summary>Call recordings: a call with audio always has its file; one that ended before any audio leaves none.</summary>
public sealed class RecordingFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hotline-rec-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_call_recording_without_audio_creates_no_file()
    {
        var path = Path.Combine(_dir, "empty.wav");
        var writer = new WavWriter(path, 2) { SkipIfEmpty = true };
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(writer.Empty);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_call_recording_with_audio_is_always_written()
    {
        var path = Path.Combine(_dir, "audio.wav");
        var writer = new WavWriter(path, 2) { SkipIfEmpty = true };
        var frame = new short[160];
        Array.Fill(frame, (short)1000);
        writer.Write(frame, frame);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(writer.Empty);
        Assert.Equal(44 + 160 * 2 * 2, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Voicemail_and_other_writers_keep_their_file_even_when_silent()
    {
        var path = Path.Combine(_dir, "vm.wav");
        var writer = new WavWriter(path, 1);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(writer.Empty);
        Assert.Equal(44, new FileInfo(path).Length);
    }
}
