namespace Hotline.Municipal.Workbench;

/// <summary>Marker for the agent workbench's texts (WorkbenchText.resx: zh-CN, the default; WorkbenchText.en.resx: English).</summary>
internal sealed class WorkbenchText
{
    private WorkbenchText()
    {
    }
}
