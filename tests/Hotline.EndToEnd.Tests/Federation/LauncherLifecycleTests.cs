using Hotline.Testing;

namespace Hotline.EndToEnd.Tests.Federation;

/// <summary>Start-up checks and shutdown of the launcher, each on the smallest federation that shows it.</summary>
public sealed class LauncherLifecycleTests
{
    private const string NationalOnly = """
        { "gateway": "none", "nodes": [ { "id": "100000", "tier": "national", "name": "国家(交通运输部)" } ] }
        """;

    [Fact]
    public async Task Sigterm_stops_every_child_and_the_launcher_exits_cleanly()
    {
        await using var launcher = LauncherProcess.Start(NationalOnly);
        await launcher.WaitForFederationAsync(TimeSpan.FromMinutes(3));
        var children = ProcessTable.ChildrenOf(launcher.Pid);
        Assert.Single(children);
        Assert.Contains("Hotline.National.dll", ProcessTable.CommandLine(children[0]), StringComparison.Ordinal);

        launcher.Signal(LauncherProcess.SigTerm);

        Assert.True(await launcher.WaitForExitAsync(TimeSpan.FromSeconds(45)), launcher.Output);
        Assert.Equal(0, launcher.ExitCode);
        await Poller.UntilAsync(() => children.All(pid => !ProcessTable.IsAlive(pid)), TimeSpan.FromSeconds(5), "children gone");
        Assert.Contains("all processes stopped", launcher.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Children_die_with_the_launcher_even_when_it_is_killed()
    {
        await using var launcher = LauncherProcess.Start(NationalOnly);
        await launcher.WaitForFederationAsync(TimeSpan.FromMinutes(3));
        var children = ProcessTable.ChildrenOf(launcher.Pid);
        Assert.NotEmpty(children);

        launcher.Signal(LauncherProcess.SigKill);

        Assert.True(await launcher.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        await Poller.UntilAsync(() => children.All(pid => !ProcessTable.IsAlive(pid)), TimeSpan.FromSeconds(30),
            "the orphaned node to receive its parent-death signal and exit");
    }

    [Fact]
    public async Task A_child_that_dies_is_reported_with_its_exit_code_and_not_restarted()
    {
        await using var launcher = LauncherProcess.Start(NationalOnly);
        await launcher.WaitForFederationAsync(TimeSpan.FromMinutes(3));
        var child = Assert.Single(ProcessTable.ChildrenOf(launcher.Pid));

        System.Diagnostics.Process.GetProcessById(child).Kill();

        await launcher.WaitForOutputAsync("exited with code", TimeSpan.FromSeconds(30));
        Assert.Contains($"100000 国家(交通运输部) (pid {child}) exited with code 137", launcher.Output, StringComparison.Ordinal);
        Assert.Contains("not restarted", launcher.Output, StringComparison.Ordinal);
        Assert.False(launcher.HasExited);
        Assert.Empty(ProcessTable.ChildrenOf(launcher.Pid));
    }

    [Theory]
    [InlineData("""{ "nodes": [ { "id": "100000", "tier": "national", "name": "国家" }, { "id": "440000", "tier": "provincial", "name": "广东省", "parent": "999999" } ] }""", "nodes[1].parent")]
    [InlineData("""{ "nodes": [ { "id": "100000", "tier": "national", "name": "国家" }, { "id": "100000", "tier": "provincial", "name": "重复", "parent": "100000" } ] }""", "nodes[1].id")]
    [InlineData("""{ "nodes": [ { "id": "100000", "tier": "national", "name": "国家" }, { "id": "44A000", "tier": "provincial", "name": "坏", "parent": "100000" } ] }""", "nodes[1].id")]
    [InlineData("""{ "nodes": [ { "id": "100000", "tier": "national", "name": "国家" }, { "id": "440000", "tier": "provincial", "name": "广东省", "parent": "100000" }, { "id": "320000", "tier": "provincial", "name": "江苏省", "parent": "100000" }, { "id": "320100", "tier": "municipal", "name": "南京市", "parent": "440000" } ] }""", "nodes[3].parent")]
    [InlineData("""{ "nodes": [ { "id": "100000", "tier": "national", "name": "国家" }, { "id": "440300", "tier": "mayor", "name": "深圳市", "parent": "100000" } ] }""", "nodes[1].tier")]
    [InlineData("""{ "nodes": [ { "id": "100000", "tier": "national", "name": "" } ] }""", "nodes[0].name")]
    [InlineData("""{ "nodes": [ { "id": "100000", "tier": "national", "name": "国家" }, """, "topology: ")]
    public async Task A_malformed_topology_stops_the_launcher_naming_the_field_before_anything_starts(string topology, string field)
    {
        await using var launcher = LauncherProcess.Start(topology);

        Assert.True(await launcher.WaitForExitAsync(TimeSpan.FromSeconds(60)), launcher.Output);
        Assert.Equal(2, launcher.ExitCode);
        Assert.Contains(field, launcher.Output, StringComparison.Ordinal);
        Assert.Contains("nothing was started", launcher.Output, StringComparison.Ordinal);
        Assert.False(System.IO.Directory.Exists(Path.Combine(launcher.DataDirectory, "logs")), "a child log exists: something was started");
        Assert.False(File.Exists(launcher.FederationFile));
    }
}
