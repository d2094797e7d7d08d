using System.ComponentModel.DataAnnotations;
using Hotline.SharedKernel;
using Hotline.Ticketing;
using Microsoft.Extensions.Options;

namespace Hotline.Municipal.Composition;

/// <summary>Demo data of a city (演示数据), section <c>DemoData</c>; the launcher enables it in demo mode only.</summary>
internal sealed class DemoDataOptions
{
    public const string SectionName = "DemoData";

    public bool Enabled { get; set; }

    /// <summary>How many historical cases the first start files.</summary>
    [Range(0, 20_000)]
    public int Cases { get; set; } = 240;

    /// <summary>Spread over this many past days.</summary>
    [Range(1, 3660)]
    public int Days { get; set; } = 365;
}

/// <summary>
/// On the first start of a demo city (its case feed is empty), brings in a year of plausible history through the case
/// history import (<see cref="ICaseHistoryImport"/>), as a city migrating from its previous system would: every channel,
/// mostly inquiries answered at once as in practice, complaints naming the city's transport enterprises, some repeat
/// callers; old cases archived, recent ones closed, a few of the last days still open; about half return-visited with
/// their satisfaction. Deterministic per node. Runs after the node is ready, so start-up does not wait for it; the feed
/// relays the history up the tree like any other case.
/// </summary>
internal sealed partial class DemoHistorySeeder(
    IServiceScopeFactory scopes,
    IOptions<DemoDataOptions> options,
    IOptions<NodeOptions> node,
    IHostApplicationLifetime lifetime,
    ILogger<DemoHistorySeeder> logger) : BackgroundService
{
    private static readonly (CaseType Type, int Weight)[] Types =
    [
        (CaseType.Inquiry, 58), (CaseType.Complaint, 22), (CaseType.Suggestion, 8), (CaseType.Help, 6), (CaseType.Praise, 4),
        (CaseType.Report, 2),
    ];

    private static readonly (CaseChannel Channel, int Weight)[] Channels =
    [
        (CaseChannel.Phone, 55), (CaseChannel.Web, 14), (CaseChannel.App, 10), (CaseChannel.WeChat, 11), (CaseChannel.Sms, 5),
        (CaseChannel.Email, 5),
    ];

    private static readonly (string Category, string Subject, string[] Complaints, string[] Inquiries)[] Topics =
    [
        ("030200", "出租汽车", ["司机拒载，称不顺路", "绕路多收费，计价器显示异常", "司机吸烟且态度恶劣", "不打表一口价"],
            ["出租车起步价是多少", "出租车发票如何补开", "乘坐出租车遗失物品如何查找"]),
        ("030300", "网约车", ["网约车司机与平台信息不符", "行程结束后被加收高速费", "司机中途甩客"],
            ["网约车驾驶员证怎么办理", "网约车车辆运输证申请条件"]),
        ("030100", "公交", ["公交车到站不停", "公交司机急刹车导致乘客摔倒", "公交车发车间隔过长"],
            ["公交线路调整后的首末班时间", "老年人乘车卡如何办理"]),
        ("030400", "城市轨道交通", ["地铁站扶梯长期停运", "地铁工作人员服务态度差"], ["地铁运营时间延长安排", "地铁失物招领电话"]),
        ("010100", "长途客运", ["长途客车超员", "客运站退票手续费过高"], ["春运期间客运站售票时间", "客车票改签规定"]),
        ("020100", "高速公路收费", ["高速公路收费站多收通行费", "ETC扣费异常"], ["节假日小客车免费通行时间", "ETC办理网点"]),
        ("010300", "驾培", ["驾校收费后拖延安排考试", "教练索要好处费"], ["驾校退费规定", "驾培机构备案查询"]),
    ];

    public static readonly string[] Enterprises =
    [
        "{0}鹏程出租汽车有限公司", "{0}巴士集团股份有限公司", "{0}地铁集团有限公司", "{0}长运客运有限公司",
        "{0}畅行网约车服务有限公司", "{0}高速公路股份有限公司", "{0}安达驾驶员培训有限公司",
    ];

    private static readonly string[] Places = ["火车站", "机场", "汽车客运站", "市中心广场", "科技园", "人民医院", "大学城", "会展中心"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || options.Value.Cases == 0)
        {
            return;
        }

        if (!await StartedAsync(stoppingToken))
        {
            return;
        }

        try
        {
            await using (var probe = scopes.CreateAsyncScope())
            {
                var feed = probe.ServiceProvider.GetRequiredService<ICaseFeed>();
                if ((await feed.ReadAfterAsync(0, 1, stoppingToken)).Count > 0)
                {
                    return;
                }
            }

            var filed = 0;
            var history = History(node.Value.Id, node.Value.Name, options.Value, DateTimeOffset.UtcNow);
            foreach (var batch in history.Chunk(2_000))
            {
                await using var scope = scopes.CreateAsyncScope();
                var import = scope.ServiceProvider.GetRequiredService<ICaseHistoryImport>();
                var result = await import.ImportAsync(batch, "demo-seeder", stoppingToken);
                if (!result.IsSuccess)
                {
                    LogRefused(logger, result.Error!.Message);
                    continue;
                }

                filed += result.Value.Imported + result.Value.Unchanged;
                foreach (var refusal in result.Value.Refused)
                {
                    LogRefused(logger, $"{batch[refusal.Index].ExternalId} {refusal.Field}: {refusal.Reason}");
                }
            }

            LogSeeded(logger, filed, options.Value.Days, node.Value.Id);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped while seeding: the next start sees a non-empty feed and leaves the partial history as it is.
        }
    }

    /// <summary>The cases to file, oldest first: when each happened and what was said (pure, deterministic per node).</summary>
    internal static IEnumerable<(DateTimeOffset At, AcceptCase Command)> Plan(string nodeId, string nodeName, DemoDataOptions options,
        DateTimeOffset now)
    {
        var random = new Random(int.Parse(nodeId, System.Globalization.CultureInfo.InvariantCulture));
        var city = nodeName.TrimEnd('市');
        var callers = Enumerable.Range(0, Math.Max(1, options.Cases * 3 / 4))
            .Select(_ => "1" + "3578"[random.Next(4)] + random.Next(0, 1_000_000_000).ToString("000000000", System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        var items = new List<(DateTimeOffset, AcceptCase)>(options.Cases);
        for (var i = 0; i < options.Cases; i++)
        {
            // Office hours in China (UTC+8): 08:00–20:00 local.
            var at = now.Date.AddDays(-random.Next(1, options.Days + 1)).AddHours(random.Next(0, 12)).AddMinutes(random.Next(60));
            var type = Pick(random, Types);
            var channel = Pick(random, Channels);
            var topic = Topics[random.Next(Topics.Length)];
            var place = city + Places[random.Next(Places.Length)];
            var enterprise = string.Format(System.Globalization.CultureInfo.InvariantCulture, Enterprises[random.Next(Enterprises.Length)], city);
            var description = type switch
            {
                CaseType.Inquiry => $"咨询：{topic.Inquiries[random.Next(topic.Inquiries.Length)]}？",
                CaseType.Complaint or CaseType.Report => $"{place}，{topic.Subject}：{topic.Complaints[random.Next(topic.Complaints.Length)]}。涉及{enterprise}，请核实处理。",
                CaseType.Suggestion => $"建议{place}附近增加{topic.Subject}服务设施，方便市民出行。",
                CaseType.Help => $"在{place}乘坐{topic.Subject}时遗失随身物品，请帮助查找。",
                _ => $"表扬{enterprise}的工作人员在{place}热心服务，拾金不昧。",
            };
            items.Add((new DateTimeOffset(at.Ticks, TimeSpan.Zero), new AcceptCase(
                channel, type, description,
                Category: topic.Category,
                CallerPhone: callers[random.Next(callers.Length)],
                Enterprise: type is CaseType.Complaint or CaseType.Report or CaseType.Praise ? enterprise : null,
                Location: place,
                OccurredAt: new DateTimeOffset(at.Ticks, TimeSpan.Zero).AddHours(-random.Next(1, 48)))));
        }

        return items.OrderBy(i => i.Item1);
    }

    /// <summary>
    /// The plan with how each case ended (pure, deterministic per node): inquiries and help requests mostly answered
    /// within minutes, other cases closed within days (most before their deadline), archived after 30 days; a case whose
    /// closing would lie in the future is still open.
    /// </summary>
    internal static IReadOnlyList<HistoricalCase> History(string nodeId, string nodeName, DemoDataOptions options, DateTimeOffset now)
    {
        var random = new Random(int.Parse(nodeId, System.Globalization.CultureInfo.InvariantCulture) ^ 12328);
        var rows = new List<HistoricalCase>(options.Cases);
        var i = 0;
        foreach (var (at, c) in Plan(nodeId, nodeName, options, now))
        {
            var immediate = c.Type is CaseType.Inquiry or CaseType.Help && random.Next(100) < 95;
            var closedAt = immediate
                ? at.AddMinutes(random.Next(2, 15))
                : at.AddHours(random.Next(100) < 87 ? random.Next(4, 24 * 9) : random.Next(24 * 9, 24 * 30));
            string? satisfaction = null;
            string status;
            if (closedAt > now.AddMinutes(-5))
            {
                status = "open";
            }
            else
            {
                status = now - closedAt > TimeSpan.FromDays(30) ? "archived" : "closed";
                var roll = random.Next(1000);
                satisfaction = roll < 380 ? "satisfied" : roll < 430 ? "basic" : roll < 445 ? "dissatisfied" : null;
            }

            rows.Add(new HistoricalCase(
                $"demo-{nodeId}-{i++:000000}", c.Type.ToString().ToLowerInvariant(), c.Category, c.Channel.ToString().ToLowerInvariant(),
                c.Description, c.CallerPhone, at.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                status == "open" ? null : closedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture), status, satisfaction,
                c.Enterprise, c.Location));
        }

        return rows;
    }

    private static T Pick<T>(Random random, (T Value, int Weight)[] table)
    {
        var roll = random.Next(table.Sum(t => t.Weight));
        foreach (var (value, weight) in table)
        {
            if ((roll -= weight) < 0)
            {
                return value;
            }
        }

        return table[^1].Value;
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var a = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var b = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 9130, Level = LogLevel.Information, Message = "Demo history: {Count} cases over the past {Days} days imported at {NodeId}")]
    private static partial void LogSeeded(ILogger logger, int count, int days, string nodeId);

    [LoggerMessage(EventId = 9131, Level = LogLevel.Warning, Message = "Demo history: a case was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
