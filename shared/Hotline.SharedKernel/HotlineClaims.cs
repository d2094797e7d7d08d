namespace Hotline.SharedKernel;

/// <summary>Claim types Hotline adds to staff cookies and tokens, beyond the OpenID Connect ones (sub, name, role).</summary>
public static class HotlineClaims
{
    /// <summary>The agent's SIP extension (坐席分机号), e.g. <c>8001</c>; CTI checks it for "the agent themself".</summary>
    public const string Extension = "extension";

    /// <summary>The region code of the node that issued the token.</summary>
    public const string Node = "node";

    /// <summary>The staff member's display name (e.g. 话务员一).</summary>
    public const string DisplayName = "display_name";
}
