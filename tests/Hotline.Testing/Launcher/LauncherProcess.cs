using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Hotline.Testing;

/// <summary>
/// The launcher as a real process (<c>dotnet Hotline.Launcher.dll --no-build --random-ports …</c>) with a temp data
/// folder; its output is captured for assertions and failure messages. Disposing stops it with SIGTERM (then SIGKILL)
/// and deletes the data folder.
/// </summary>
public sealed partial class LauncherProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _ownsData;

    private LauncherProcess(Process process, string dataDirectory, bool ownsData)
    {
        _process = process;
        DataDirectory = dataDirectory;
        _ownsData = ownsData;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string DataDirectory { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string FederationFile => Path.Combine(DataDirectory, "federation.json");

    /// <summary>Starts the launcher. <paramref name="topologyJson"/> is written to a file in the data folder's parent.</summary>
    public static LauncherProcess Start(string? topologyJson = null, string? dataDirectory = null, params string[] extraArgs) =>
        Start(topologyJson, dataDirectory, environment: null, extraArgs);

    /// <summary>As <see cref="Start(string?, string?, string[])"/>, with extra environment variables for the launcher and
    /// (inherited) every node it starts.</summary>
    public static LauncherProcess Start(string? topologyJson, string? dataDirectory, IReadOnlyDictionary<string, string>? environment,
        params string[] extraArgs)
    {
        var ownsData = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "hotline-e2e-" + Guid.NewGuid().ToString("N")[..8], "data");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(dataDirectory)!);
        var info = new ProcessStartInfo(DotNetPath())
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        info.ArgumentList.Add(Repository.LauncherAssembly);
        foreach (var arg in new[] { "--data", dataDirectory, "--no-build", "--configuration", Repository.Configuration, "--random-ports" })
        {
            info.ArgumentList.Add(arg);
        }

        if (topologyJson is not null)
        {
            var file = Path.Combine(Path.GetDirectoryName(dataDirectory)!, $"topology-{Guid.NewGuid():N}.json");
            File.WriteAllText(file, topologyJson);
            info.ArgumentList.Add("--topology");
            info.ArgumentList.Add(file);
        }

        foreach (var arg in extraArgs)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("The launcher did not start.");
        return new LauncherProcess(process, dataDirectory, ownsData);
    }

    /// <summary>Waits for <c>federation.json</c> (written once every process is ready) and returns it.</summary>
    public async Task<JsonObject> WaitForFederationAsync(TimeSpan timeout)
    {
        return await Poller.UntilAsync(async () =>
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"The launcher exited with {ExitCode} before the federation was ready:\n{Output}");
            }

            if (!File.Exists(FederationFile))
            {
                return null;
            }

            return JsonNode.Parse(await File.ReadAllTextAsync(FederationFile))!.AsObject();
        }, timeout, $"federation.json in {DataDirectory}. Launcher output so far:\n{Output}", TimeSpan.FromMilliseconds(500));
    }

    /// <summary>Waits until the launcher prints <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        Poller.UntilAsync(() =>
        {
            if (HasExited && !Output.Contains(text, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The launcher exited with {ExitCode}:\n{Output}");
            }

            return Output.Contains(text, StringComparison.Ordinal);
        }, timeout, $"'{text}' from the launcher");

    public void Signal(int signal) => _ = SendSignal(Pid, signal);

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            var children = ProcessTable.ChildrenOf(Pid);
            Signal(SigTerm);
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(40)))
            {
                _process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }

            foreach (var pid in children.Where(ProcessTable.IsAlive))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                    // Gone already.
                }
            }
        }

        _process.Dispose();
        if (_ownsData)
        {
            try
            {
                System.IO.Directory.Delete(Path.GetDirectoryName(DataDirectory)!, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the temp folder is cleaned by the OS.
            }
        }
    }

    public const int SigTerm = 15;
    public const int SigKill = 9;

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static string DotNetPath()
    {
        var fromEnv = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
        {
            return fromEnv;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
