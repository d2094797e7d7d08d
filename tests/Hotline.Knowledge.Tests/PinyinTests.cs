using Hotline.Knowledge.Search;

namespace Hotline.Knowledge.Tests;

public sealed class PinyinTests
{
    [Theory]
    [InlineData("出租车", "czc")]
    [InlineData("网约车", "wyc")]
    [InlineData("起步价", "qbj")]
    [InlineData("地铁", "dt")]
    [InlineData("长途客车", "ctkc")]
    [InlineData("阿", "a")]
    [InlineData("座", "z")]
    [InlineData("ETC办理", "etcbl")]
    [InlineData("出祖车", "czc")]
    public void Initials_of_common_characters(string text, string expected) => Assert.Equal(expected, PinyinInitials.Of(text));

    [Fact]
    public void Synonyms_rewrite_the_longest_group_word_once()
    {
        var set = new SynonymSet([["网约车", "网络预约出租汽车"], ["出租汽车", "的士"]]);
        var alternatives = set.Alternatives("网络预约出租汽车驾驶员证").ToList();
        Assert.Equal(["网约车驾驶员证"], alternatives);
        Assert.Equal(["出租汽车发票"], set.Alternatives("的士发票"));
        Assert.Empty(set.Alternatives("地铁"));
    }
}
