using Hotline.SharedKernel;
using Hotline.Ticketing.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ticketing.Tests;

/// <summary>上级调阅 (ICaseDetailSource): a superior's read is masked and audited at the city, also for an unknown case.</summary>
public sealed class CaseDetailSourceTests : IAsyncLifetime
{
    private TicketingHost _host = null!;

    public async Task InitializeAsync() => _host = await TicketingHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_superior_reads_the_case_with_a_masked_phone_and_the_read_is_audited_with_the_requester()
    {
        var number = await LifecycleTests.CreateAsync(_host.Anonymous(), "出租车粤B12345在罗湖口岸拒载，请核查。", phone: "13800138000");
        await using var scope = _host.Scope();
        var source = scope.ServiceProvider.GetRequiredService<ICaseDetailSource>();
        var read = await source.ReadAsync(new CaseDetailRequest(number, "100000", "officer1", "督查抽检", ["100000", "440000", "440300"]),
            CancellationToken.None);

        Assert.True(read.IsSuccess, read.Error?.Message);
        var detail = read.Value;
        Assert.Equal(number, detail.CaseNumber);
        Assert.Equal(CaseType.Complaint, detail.Type);
        Assert.Equal(Masking.Phone("13800138000"), detail.CallerMasked);
        Assert.DoesNotContain("13800138000", detail.CallerMasked, StringComparison.Ordinal);
        Assert.Contains("粤B12345", detail.Description, StringComparison.Ordinal);
        Assert.NotEmpty(detail.Timeline);

        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var audit = Assert.Single(await db.Audit.Where(a => a.CaseNumber == number && a.Action == "case.read.superior").ToListAsync());
        Assert.Equal("node:100000/officer1", audit.Actor);
        Assert.Contains("督查抽检", audit.Detail, StringComparison.Ordinal);
        Assert.Contains("100000 → 440000 → 440300", audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_case_is_not_found_and_the_attempt_is_audited()
    {
        await using var scope = _host.Scope();
        var source = scope.ServiceProvider.GetRequiredService<ICaseDetailSource>();
        var read = await source.ReadAsync(new CaseDetailRequest("440300-20261125-999999", "440000", "officer1", "核查", ["440000", "440300"]),
            CancellationToken.None);

        Assert.Equal(ErrorKind.NotFound, read.Error!.Kind);
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        var audit = Assert.Single(await db.Audit.Where(a => a.CaseNumber == "440300-20261125-999999").ToListAsync());
        Assert.Equal("case.read.superior", audit.Action);
        Assert.Contains("no such case", audit.Detail, StringComparison.Ordinal);
    }
}
