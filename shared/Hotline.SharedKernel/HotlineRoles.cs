namespace Hotline.SharedKernel;

/// <summary>The staff roles of every node. Role names are stable strings carried in tokens and cookies.</summary>
public static class HotlineRoles
{
    /// <summary>话务员</summary>
    public const string Agent = "agent";
    /// <summary>班长</summary>
    public const string TeamLead = "teamlead";
    /// <summary>质检员</summary>
    public const string QualityInspector = "inspector";
    /// <summary>承办单位 (department handler)</summary>
    public const string Handler = "handler";
    /// <summary>审核员</summary>
    public const string Reviewer = "reviewer";
    /// <summary>企业 (企业直通车 account)</summary>
    public const string Enterprise = "enterprise";
    /// <summary>省/部 officer who assigns and supervises</summary>
    public const string Officer = "officer";
    /// <summary>分析员</summary>
    public const string Analyst = "analyst";
    /// <summary>门户编辑</summary>
    public const string PortalEditor = "editor";
    /// <summary>管理员</summary>
    public const string Administrator = "admin";
    /// <summary>A federation peer node calling with client credentials.</summary>
    public const string Node = "node";

    /// <summary>Every role a person can hold.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        Agent, TeamLead, QualityInspector, Handler, Reviewer, Enterprise, Officer, Analyst, PortalEditor, Administrator,
    ];
}

/// <summary>Authorization policy names shared by every module.</summary>
public static class HotlinePolicies
{
    /// <summary>Any authenticated staff member or client of this node.</summary>
    public const string Staff = "staff";
    /// <summary>Administrators of this node.</summary>
    public const string Admin = "admin";
    /// <summary>Another node of the federation (client credentials from this node's IdP).</summary>
    public const string Federation = "federation";
}
