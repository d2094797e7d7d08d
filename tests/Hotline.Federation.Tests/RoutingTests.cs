using Hotline.Federation.Routing;
using Hotline.SharedKernel;

namespace Hotline.Federation.Tests;

public class RoutingTests
{
    private static NodeOptions Node(string id, NodeTier tier, string? parent, params string[] children) =>
        new() { Id = id, Tier = tier, Name = id, Parent = parent, Children = [.. children] };

    private static readonly NodeOptions Guangzhou = Node("440100", NodeTier.Municipal, "440000");
    private static readonly NodeOptions Guangdong = Node("440000", NodeTier.Provincial, "100000", "440100", "440300");
    private static readonly NodeOptions Jiangsu = Node("320000", NodeTier.Provincial, "100000", "320100");
    private static readonly NodeOptions Ministry = Node("100000", NodeTier.National, null, "440000", "320000");

    [Fact]
    public void A_city_sends_everything_to_its_province()
    {
        Assert.Equal(new Hop(HopKind.Parent, "440000"), TreeRouter.NextHop(Guangzhou, "320100"));
        Assert.Equal(new Hop(HopKind.Parent, "440000"), TreeRouter.NextHop(Guangzhou, "100000"));
        Assert.Equal(new Hop(HopKind.Parent, "440000"), TreeRouter.NextHop(Guangzhou, "440300"));
        Assert.Equal(Hop.Local, TreeRouter.NextHop(Guangzhou, "440100"));
    }

    [Fact]
    public void A_province_sends_down_to_its_own_cities_and_up_for_everything_else()
    {
        Assert.Equal(new Hop(HopKind.Child, "440300"), TreeRouter.NextHop(Guangdong, "440300"));
        Assert.Equal(new Hop(HopKind.Parent, "100000"), TreeRouter.NextHop(Guangdong, "320100"));
        Assert.Equal(new Hop(HopKind.Parent, "100000"), TreeRouter.NextHop(Guangdong, "100000"));
        Assert.Equal(Hop.Local, TreeRouter.NextHop(Guangdong, "440000"));
        // A city of this province that is not a known child is not guessed at.
        Assert.Equal(HopKind.Unroutable, TreeRouter.NextHop(Guangdong, "440500").Kind);
    }

    [Fact]
    public void The_ministry_sends_down_through_the_target_province()
    {
        Assert.Equal(new Hop(HopKind.Child, "320000"), TreeRouter.NextHop(Ministry, "320100"));
        Assert.Equal(new Hop(HopKind.Child, "440000"), TreeRouter.NextHop(Ministry, "440000"));
        Assert.Equal(HopKind.Unroutable, TreeRouter.NextHop(Ministry, "510100").Kind);
        Assert.Equal(HopKind.Unroutable, TreeRouter.NextHop(Ministry, "not-a-code").Kind);
    }

    [Fact]
    public void Hop_by_hop_routing_from_Guangzhou_reaches_Nanjing_via_the_ministry()
    {
        var nodes = new[] { Guangzhou, Guangdong, Ministry, Jiangsu, Node("320100", NodeTier.Municipal, "320000") }
            .ToDictionary(n => n.Id);
        var path = new List<string> { "440100" };
        var at = "440100";
        while (true)
        {
            var hop = TreeRouter.NextHop(nodes[at], "320100");
            if (hop.Kind == HopKind.Local)
            {
                break;
            }

            Assert.NotEqual(HopKind.Unroutable, hop.Kind);
            at = hop.NodeId!;
            path.Add(at);
        }

        Assert.Equal(["440100", "440000", "100000", "320000", "320100"], path);
        Assert.Equal(path, TreeRouter.Path("440100", "320100"));
        Assert.Equal(["440100", "440000", "440300"], TreeRouter.Path("440100", "440300"));
    }
}
