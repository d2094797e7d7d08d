namespace Hotline.Identity;

/// <summary>Marker for the Identity module's UI texts (IdentityText.resx: zh-CN; IdentityText.en.resx: English).</summary>
public sealed class IdentityText
{
    private IdentityText()
    {
    }
}
