using System.Diagnostics;
using System.Text;

namespace Hotline.Identity.Tests;

/// <summary>
/// A node host started as a real process (<c>dotnet Hotline.Municipal.dll</c>) with one bad setting stops with one
/// line per bad field on stderr and exit code 1 — no abort (134), no stack trace.
/// </summary>
public sealed class StartupExitTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(2);

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Node__Parent", "320000", "Node:Parent" },
        { "Node__Tier", "Village", "Node:Tier" },
        { "Storage__Provider", "Postgres", "Storage:Postgres" },
        { "Identity__Demo__Password", "", "Identity:Demo:Password" },
        { "Federation__Peers__0__Url", "not-a-url", "Federation:Peers" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_exits_with_1_naming_the_field(string variable, string value, string field)
    {
        var run = await RunHostAsync(new Dictionary<string, string> { [variable] = value });

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}\nstderr:\n{run.Stderr}\nstdout:\n{run.Stdout}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.StartsWith(Hotline.ServiceDefaults.StartupFailure.Prefix.Trim(), l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(field, StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_bad_fields_give_two_lines()
    {
        var run = await RunHostAsync(new Dictionary<string, string> { ["Node__Parent"] = "320000", ["Node__Name"] = " " });

        Assert.Equal(1, run.ExitCode);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.Contains("Node:Parent", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Node:Name", StringComparison.Ordinal));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunHostAsync(Dictionary<string, string> overrides)
    {
        var data = Path.Combine(Path.GetTempPath(), "hotline-exit-tests", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(HostDll())!,
        };
        start.ArgumentList.Add(HostDll());
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Node__Id"] = "440300",
            ["Node__Name"] = "深圳市",
            ["Node__Tier"] = "Municipal",
            ["Node__Parent"] = "440000",
            ["Storage__DataDirectory"] = data,
            ["Sip__Udp"] = "127.0.0.1:0",
            ["Sip__Tcp"] = "127.0.0.1:0",
            ["Sip__DataDirectory"] = Path.Combine(data, "telephony"),
            ["Identity__Demo__Enabled"] = "true",
            ["Identity__Demo__Password"] = NodeFactory.DemoPassword,
            ["Federation__Peers__0__Id"] = "440000",
            ["Federation__Peers__0__Url"] = "http://127.0.0.1:9",
            ["Federation__Peers__0__ClientId"] = "node-440300",
        };
        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (stdout) { stdout.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The host did not stop within {ExitTimeout}:\n{stdout}\n{stderr}");
        }

        process.WaitForExit(); // flushes the redirected streams
        try
        {
            System.IO.Directory.Delete(data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        lock (stdout)
        {
            lock (stderr)
            {
                return (process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    /// <summary>The municipal host built in the same configuration as this test assembly (bin/&lt;Configuration&gt;/net10.0).</summary>
    private static string HostDll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Hotline.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var dll = Path.Combine(root.FullName, "municipal", "Hotline.Municipal", "bin", configuration, framework, "Hotline.Municipal.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return dll;
    }
}
