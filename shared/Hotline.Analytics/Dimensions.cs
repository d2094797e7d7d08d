namespace Hotline.Analytics;

/// <summary>The keys and display names of the statistics dimensions (类型, 渠道).</summary>
internal static class Dimensions
{
    public static string TypeName(string key) => key switch
    {
        "complaint" => "投诉",
        "report" => "举报",
        "inquiry" => "信息咨询",
        "suggestion" => "意见建议",
        "help" => "求助",
        "praise" => "表扬",
        _ => key,
    };

    public static string ChannelName(string key) => key switch
    {
        "phone" => "电话",
        "web" => "网站",
        "app" => "移动客户端",
        "wechat" => "微信",
        "sms" => "短信",
        "email" => "电子邮件",
        "transfer" => "转办",
        "assignment" => "交办",
        "enterprise" => "企业直通车",
        "voicemail" => "语音留言",
        _ => key,
    };
}
