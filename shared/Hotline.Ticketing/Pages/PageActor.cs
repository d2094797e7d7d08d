using Hotline.Ticketing.Cases;
using Microsoft.AspNetCore.Http;

namespace Hotline.Ticketing.Pages;

/// <summary>Helpers shared by the ticketing pages.</summary>
internal static class PageActor
{
    public static Actor Of(HttpContext http) => Actor.From(http.User, http.Connection.RemoteIpAddress?.ToString());

    public static string DeadlineCss(string state) => state switch
    {
        "overdue" => "deadline overdue",
        "warning" => "deadline warning",
        _ => "deadline",
    };

    public static string DeadlineKey(string state) => state switch
    {
        "overdue" => "OverdueState",
        "warning" => "Warning",
        "onTime" => "OnTime",
        _ => "None",
    };

    public static string Local(DateTimeOffset? at) =>
        at is { } a ? a.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "—";

    public static string TypeKey(string type) => "Type" + char.ToUpperInvariant(type[0]) + type[1..];
}
