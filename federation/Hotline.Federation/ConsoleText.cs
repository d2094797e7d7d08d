namespace Hotline.Federation;

/// <summary>Marker for the consoles' texts (ConsoleText.resx: zh-CN, the default; ConsoleText.en.resx).</summary>
public sealed class ConsoleText
{
    private ConsoleText()
    {
    }
}
