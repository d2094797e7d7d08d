using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Hotline.Launcher.Planning;
using Hotline.Launcher.Running;
using Hotline.Launcher.Topology;

namespace Hotline.Launcher;

/// <summary>
/// The launcher's flow: read and validate the topology (nothing starts on an error), plan ports and secrets, build the
/// hosts, start and supervise the children, write <c>federation.json</c>, stop everything on Ctrl-C or SIGTERM.
/// Exit codes: 0 stopped cleanly, 1 a child failed, 2 bad command line or topology, 3 the build failed.
/// </summary>
internal static class LauncherApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        Console.OutputEncoding = Encoding.UTF8;
        var (options, error) = LaunchOptions.Parse(args);
        if (options is null)
        {
            var writer = error is null ? Console.Out : Console.Error;
            if (error is not null)
            {
                await writer.WriteLineAsync(error);
            }

            await writer.WriteLineAsync(LaunchOptions.Usage);
            return error is null ? 0 : 2;
        }

        var (topology, errors) = FederationTopology.Load(options.TopologyFile);
        if (topology is null)
        {
            await Console.Error.WriteLineAsync($"[launcher] the topology {options.TopologyFile ?? "(embedded default)"} is invalid; nothing was started:");
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync("  " + e);
            }

            return 2;
        }

        foreach (var id in options.Only.Where(id => topology.Find(id) is null))
        {
            await Console.Error.WriteLineAsync($"[launcher] --only: '{id}' is not a node of the topology.");
            return 2;
        }

        var root = DotNet.RepositoryRoot();
        if (root is null)
        {
            await Console.Error.WriteLineAsync("[launcher] cannot find Hotline.sln above the working directory or the launcher.");
            return 2;
        }

        CreatePrivateDirectory(options.DataDirectory);
        if (options.Only.Count > 0 && !File.Exists(Path.Combine(options.DataDirectory, LauncherState.FileName)))
        {
            await Console.Error.WriteLineAsync($"[launcher] --only needs a data folder that a full launch has prepared ({options.DataDirectory}).");
            return 2;
        }

        // One full launch per data folder: a second one would hand out the same ports and secrets. (--only runs
        // beside the full launch on purpose.) The lock is an flock, so it dies with the process.
        using var dataLock = options.Only.Count > 0 ? null : TryLock(options.DataDirectory);
        if (options.Only.Count == 0 && dataLock is null)
        {
            await Console.Error.WriteLineAsync($"[launcher] another launcher is already running on {options.DataDirectory}; nothing was started.");
            return 2;
        }

        var state = LauncherState.Load(options.DataDirectory);
        var plan = FederationPlan.Create(topology, state, options);
        state.Save(options.DataDirectory);

        var toStart = options.Only.Count > 0
            ? plan.Nodes.Where(n => options.Only.Contains(n.Id)).ToList()
            : [.. plan.Nodes.Where(n => !n.StartsManually), .. plan.Gateway is null ? Array.Empty<ProcessPlan>() : [plan.Gateway]];

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            Console.WriteLine($"[launcher] {context.Signal} received.");
            stop.Cancel();
        }

        var compiler = new HostCompiler(root, options.Configuration);
        var projects = toStart.Select(p => p.Project).Distinct().ToList();
        if (options.NoBuild)
        {
            if (!compiler.IsBuilt(projects))
            {
                await Console.Error.WriteLineAsync($"[launcher] --no-build, but the hosts are not published ({options.Configuration}): run " +
                    $"dotnet publish federation/Hotline.Launcher/hosts.slnf -c {options.Configuration}");
                return 3;
            }
        }
        else
        {
            try
            {
                if (!await compiler.BuildAsync(projects, stop.Token))
                {
                    return 3;
                }
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
        }

        using var supervisor = new Supervisor(options, compiler);
        var exitCode = 0;
        try
        {
            if (!await supervisor.StartAsync(toStart, stop.Token))
            {
                exitCode = 1;
            }
            else
            {
                if (options.Only.Count == 0)
                {
                    var file = FederationFile.Write(options.DataDirectory, plan, toStart);
                    PrintSummary(plan, toStart, file);
                }
                else
                {
                    Console.WriteLine($"[launcher] {string.Join(", ", options.Only)} joined the federation. Press Ctrl-C to stop {(options.Only.Count == 1 ? "it" : "them")}.");
                }

                var died = await Task.WhenAny(supervisor.UnexpectedExit, Task.Delay(Timeout.Infinite, stop.Token));
                if (died == supervisor.UnexpectedExit)
                {
                    // Reported already; the rest keeps running until the operator stops the federation.
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM.
        }
        finally
        {
            await supervisor.StopAllAsync();
        }

        return exitCode;
    }

    private static FileStream? TryLock(string dataDirectory)
    {
        try
        {
            return new FileStream(Path.Combine(dataDirectory, "launcher.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite,
                FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    private static void PrintSummary(FederationPlan plan, IReadOnlyList<ProcessPlan> started, string file)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("Hotline demo federation is running.");
        sb.AppendLine(ci, $"  {"node",-8} {"tier",-11} {"name",-12} {"http",-26} {"sip (udp+tcp)",-18} via gateway");
        foreach (var node in plan.Nodes.Where(started.Contains))
        {
            var viaGateway = plan.Gateway is null ? "-" : $"{FederationFile.Url(plan.Gateway.Http)}/{node.Id}/";
            sb.AppendLine(ci, $"  {node.Id,-8} {node.TierName,-11} {Pad(node.Name, 12)} {FederationFile.Url(node.Http),-26} {node.SipEndpoint ?? "-",-18} {viaGateway}");
        }

        if (plan.Gateway is not null)
        {
            sb.AppendLine(ci, $"  {"gateway",-8} {"edge",-11} {Pad(plan.Gateway.Name, 12)} {FederationFile.Url(plan.Gateway.Http),-26}");
        }

        sb.AppendLine();
        sb.AppendLine(ci, $"Demo logins (password {plan.DemoPassword}):");
        foreach (var group in plan.Users.Where(u => started.Any(s => s.Id == u.Node)).GroupBy(u => u.Node))
        {
            sb.AppendLine(ci, $"  {group.Key}: {string.Join(", ", group.Select(u => $"{u.User} ({u.Role})"))}");
        }

        sb.AppendLine(ci, $"Client credentials, SIP extensions and URLs: {file} (owner-readable only).");
        sb.AppendLine("Press Ctrl-C to stop the federation.");
        Console.WriteLine(sb.ToString());
    }

    /// <summary>Pads by display width: a Chinese character takes two columns.</summary>
    private static string Pad(string text, int width)
    {
        var columns = text.Sum(c => c > 0x2E80 ? 2 : 1);
        return text + new string(' ', Math.Max(0, width - columns));
    }
}
