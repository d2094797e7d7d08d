namespace Hotline.Ticketing;

/// <summary>Marker for the ticketing pages' texts (TicketingText.resx: zh-CN, the default; TicketingText.en.resx: English).</summary>
public sealed class TicketingText
{
    private TicketingText()
    {
    }
}
