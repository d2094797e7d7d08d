using System.Text.RegularExpressions;

namespace Hotline.SharedKernel;

/// <summary>The tier of a node in the federation tree.</summary>
public enum NodeTier
{
    /// <summary>地市级 city node: call center and case handling.</summary>
    Municipal,
    /// <summary>省级 province node: assignment, relay, provincial oversight.</summary>
    Provincial,
    /// <summary>部级 national node (ministry): portal, national supervision, node directory.</summary>
    National,
}

/// <summary>
/// Who this node is: its GB/T 2260 region code, tier, name, parent and children. Bound from the <c>Node</c>
/// configuration section and validated at start-up; a node with a bad identity does not start.
/// </summary>
public sealed partial class NodeOptions
{
    public const string SectionName = "Node";

    /// <summary>The national node's id. GB/T 2260 has no code for the country; 100000 is the convention used here.</summary>
    public const string NationalId = "100000";

    /// <summary>6-digit administrative division code, e.g. 440300.</summary>
    public string Id { get; set; } = string.Empty;

    public NodeTier Tier { get; set; }

    /// <summary>Display name, e.g. 深圳市.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The parent node's id; empty only for the national node.</summary>
    public string? Parent { get; set; }

    /// <summary>The direct children's ids.</summary>
    public List<string> Children { get; set; } = [];

    /// <summary>This node's own public base URL (as seen by peers and the gateway).</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Checks the identity; each message names the offending field.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!RegionCode.IsValid(Id))
        {
            errors.Add($"Node:Id '{Id}' is not a 6-digit GB/T 2260 region code.");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("Node:Name is required.");
        }

        if (!Enum.IsDefined(Tier))
        {
            errors.Add($"Node:Tier '{Tier}' is not one of Municipal, Provincial, National.");
        }

        if (Tier == NodeTier.National)
        {
            if (!string.IsNullOrEmpty(Parent))
            {
                errors.Add("Node:Parent must be empty for the national node.");
            }
        }
        else if (string.IsNullOrEmpty(Parent) || !RegionCode.IsValid(Parent))
        {
            errors.Add($"Node:Parent '{Parent}' is required for a {Tier} node and must be a 6-digit region code.");
        }
        else if (Tier == NodeTier.Municipal && RegionCode.IsValid(Id) && RegionCode.ProvinceOf(Id) != Parent)
        {
            errors.Add($"Node:Parent '{Parent}' is not the province of city {Id} (expected {RegionCode.ProvinceOf(Id)}).");
        }

        if (Tier == NodeTier.Municipal && Children.Count > 0)
        {
            errors.Add("Node:Children must be empty for a municipal node.");
        }

        foreach (var child in Children.Where(c => !RegionCode.IsValid(c)))
        {
            errors.Add($"Node:Children contains '{child}', which is not a 6-digit region code.");
        }

        if (PublicUrl is not null && !Uri.TryCreate(PublicUrl, UriKind.Absolute, out _))
        {
            errors.Add($"Node:PublicUrl '{PublicUrl}' is not an absolute URL.");
        }

        return errors;
    }
}

/// <summary>GB/T 2260 administrative division codes.</summary>
public static partial class RegionCode
{
    public static bool IsValid(string? code) => code is not null && SixDigits().IsMatch(code);

    /// <summary>The province code of any region code: 440300 → 440000.</summary>
    public static string ProvinceOf(string code) => string.Concat(code.AsSpan(0, 2), "0000");

    /// <summary>True for a province-level code (xx0000) other than the national one.</summary>
    public static bool IsProvince(string code) => IsValid(code) && code.EndsWith("0000", StringComparison.Ordinal) && code != NodeOptions.NationalId;

    [GeneratedRegex("^[1-9][0-9]{5}$")]
    private static partial Regex SixDigits();
}
