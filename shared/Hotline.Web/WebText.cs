namespace Hotline.Web;

/// <summary>Marker for the shared UI texts (WebText.resx: zh-CN, the default; WebText.en.resx: English). Modules follow
/// the same pattern: a marker class plus <c>Name.resx</c>/<c>Name.en.resx</c> beside it, used via
/// <c>IStringLocalizer&lt;Name&gt;</c>.</summary>
public sealed class WebText
{
    private WebText()
    {
    }
}
