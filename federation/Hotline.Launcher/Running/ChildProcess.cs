using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Hotline.Launcher.Planning;

namespace Hotline.Launcher.Running;

/// <summary>
/// One running node or gateway: <c>dotnet &lt;dll&gt;</c> with its environment, output appended to
/// <c>&lt;data&gt;/logs/&lt;id&gt;.log</c>.
/// </summary>
/// <remarks>
/// No orphans, even when the launcher is killed with SIGKILL: on Linux each child is started through
/// <c>setpriv --pdeathsig TERM</c>, so the kernel sends it SIGTERM when its parent goes away. The kernel ties that
/// signal to the parent <em>thread</em> that forked the child, so every child is forked by one dedicated thread
/// (<see cref="Spawner"/>) that lives as long as the launcher. The child's output goes straight to its log file
/// (no pipe through the launcher), so a dying launcher cannot block or break a child's logging.
/// </remarks>
internal sealed partial class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(ProcessPlan plan, Process process, string logFile)
    {
        Plan = plan;
        _process = process;
        LogFile = logFile;
        Pid = process.Id;
    }

    public ProcessPlan Plan { get; }

    public int Pid { get; }

    public string LogFile { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Raised once when the process exits, for whatever reason.</summary>
    public event EventHandler? Exited
    {
        add => _process.Exited += value;
        remove => _process.Exited -= value;
    }

    public static ChildProcess Start(ProcessPlan plan, string assembly, string logDirectory)
    {
        Directory.CreateDirectory(logDirectory);
        var logFile = Path.Combine(logDirectory, plan.Id + ".log");
        File.AppendAllText(logFile, $"{Environment.NewLine}===== {DateTimeOffset.Now:O} starting {plan.Id} {plan.Name} ====={Environment.NewLine}");

        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            UseShellExecute = false,
        };

        // sh replaces itself (exec) with setpriv, which replaces itself with dotnet: the PID we hold is the node's.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(HasSetpriv
            ? "exec setpriv --pdeathsig TERM -- \"$@\" >>\"$0\" 2>&1 </dev/null"
            : "exec \"$@\" >>\"$0\" 2>&1 </dev/null");
        info.ArgumentList.Add(logFile);
        info.ArgumentList.Add(DotNet.Path);
        info.ArgumentList.Add(assembly);
        foreach (var (key, value) in plan.Environment)
        {
            info.Environment[key] = value;
        }

        var process = Spawner.Start(info);
        process.EnableRaisingEvents = true;
        return new ChildProcess(plan, process, logFile);
    }

    /// <summary>Asks the process to stop (SIGTERM), like Ctrl-C.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(Pid, SigTerm);
        }
    }

    /// <summary>Ends the process at once (SIGKILL).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>The last lines of the child's log, for a death report.</summary>
    public IReadOnlyList<string> LastLogLines(int count)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var start = Math.Max(0, stream.Length - 16_384);
            stream.Seek(start, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.TakeLast(count).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    public void Dispose() => _process.Dispose();

    private const int SigTerm = 15;

    private static readonly bool HasSetpriv = OperatingSystem.IsLinux() && File.Exists("/usr/bin/setpriv");

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>The one thread that forks every child (see the remarks on <see cref="ChildProcess"/>).</summary>
    private static class Spawner
    {
        private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Done)> Requests = [];

        static Spawner()
        {
            var thread = new Thread(Run) { IsBackground = true, Name = "child-spawner" };
            thread.Start();
        }

        public static Process Start(ProcessStartInfo info)
        {
            var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
            Requests.Add((info, done));
            return done.Task.GetAwaiter().GetResult();
        }

        private static void Run()
        {
            foreach (var (info, done) in Requests.GetConsumingEnumerable())
            {
                try
                {
                    var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
                    done.SetResult(process);
                }
#pragma warning disable CA1031 // The failure is handed to the caller.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    done.SetException(ex);
                }
            }
        }
    }
}
