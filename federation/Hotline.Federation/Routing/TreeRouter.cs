using Hotline.SharedKernel;

namespace Hotline.Federation.Routing;

/// <summary>Where a message goes next from this node.</summary>
public enum HopKind
{
    /// <summary>This node is the target: apply the message here.</summary>
    Local,
    /// <summary>Forward to the parent (city → province → national).</summary>
    Parent,
    /// <summary>Forward to a child (national → province → city).</summary>
    Child,
    /// <summary>No path from this node (unknown or foreign node): the message is dead-lettered.</summary>
    Unroutable,
}

/// <summary>The next hop of a message: a kind and, unless local or unroutable, the neighbour's region code.</summary>
public readonly record struct Hop(HopKind Kind, string? NodeId)
{
    /// <summary>Apply here.</summary>
    public static Hop Local => new(HopKind.Local, null);

    /// <summary>No route.</summary>
    public static Hop Unroutable => new(HopKind.Unroutable, null);
}

/// <summary>
/// Routing along the federation tree (national → provinces → cities). A node only ever talks to its parent and its
/// children; the path between any two nodes goes up to their lowest common ancestor and down again, so 广州 → 南京 is
/// 440100 → 440000 → 100000 → 320000 → 320100.
/// </summary>
public static class TreeRouter
{
    /// <summary>The neighbour to forward to from <paramref name="self"/> for a message whose final target is <paramref name="target"/>.</summary>
    public static Hop NextHop(NodeOptions self, string target)
    {
        ArgumentNullException.ThrowIfNull(self);
        if (!RegionCode.IsValid(target))
        {
            return Hop.Unroutable;
        }

        if (target == self.Id)
        {
            return Hop.Local;
        }

        return self.Tier switch
        {
            NodeTier.Municipal => Up(self),
            NodeTier.Provincial => FromProvince(self, target),
            NodeTier.National => FromNational(self, target),
            _ => Hop.Unroutable,
        };
    }

    /// <summary>The full path from <paramref name="from"/> to <paramref name="to"/> (both ends included), by tree shape only.</summary>
    public static IReadOnlyList<string> Path(string from, string to)
    {
        var up = Ancestors(from);
        var down = Ancestors(to);
        var common = up.First(down.Contains);
        var path = up.TakeWhile(n => n != common).ToList();
        path.Add(common);
        path.AddRange(down.TakeWhile(n => n != common).Reverse());
        return path;
    }

    private static List<string> Ancestors(string node)
    {
        var list = new List<string> { node };
        if (node == NodeOptions.NationalId)
        {
            return list;
        }

        var province = RegionCode.ProvinceOf(node);
        if (province != node)
        {
            list.Add(province);
        }

        list.Add(NodeOptions.NationalId);
        return list;
    }

    private static Hop Up(NodeOptions self) =>
        string.IsNullOrEmpty(self.Parent) ? Hop.Unroutable : new Hop(HopKind.Parent, self.Parent);

    private static Hop FromProvince(NodeOptions self, string target)
    {
        if (target != NodeOptions.NationalId && RegionCode.ProvinceOf(target) == self.Id)
        {
            // A city of this province: only a known child is routable (no guessing of nodes that do not exist).
            return self.Children.Contains(target) ? new Hop(HopKind.Child, target) : Hop.Unroutable;
        }

        return Up(self);
    }

    private static Hop FromNational(NodeOptions self, string target)
    {
        var province = RegionCode.ProvinceOf(target);
        return self.Children.Contains(province) ? new Hop(HopKind.Child, province) : Hop.Unroutable;
    }
}
