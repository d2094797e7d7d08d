namespace Hotline.Directory;

/// <summary>Marker for the directory page's texts (DirectoryText.resx: zh-CN, the default; DirectoryText.en.resx).</summary>
public sealed class DirectoryText
{
    private DirectoryText()
    {
    }
}
