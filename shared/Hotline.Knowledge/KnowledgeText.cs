namespace Hotline.Knowledge;

/// <summary>Marker for the knowledge pages' texts (KnowledgeText.resx: zh-CN, the default; KnowledgeText.en.resx: English).</summary>
public sealed class KnowledgeText
{
    private KnowledgeText()
    {
    }
}
