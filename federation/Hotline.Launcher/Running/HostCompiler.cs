using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hotline.Launcher.Running;

/// <summary>
/// Publishes the three node hosts and the gateway once (<c>dotnet publish hosts.slnf</c>), and skips it when nothing
/// under the source folders changed since the last successful publish (a fingerprint of paths, sizes and times).
/// Nodes run from the publish folder, as an installation does: its <c>wwwroot</c> holds every stylesheet, script and
/// library of the Razor class libraries, which a plain build output only points at (through a manifest that ASP.NET
/// Core reads in Development alone).
/// </summary>
internal sealed class HostCompiler(string repositoryRoot, string configuration)
{
    private static readonly string[] SourceFolders = ["shared", "municipal", "provincial", "national", "gateways", "federation"];

    private static readonly string[] SkippedFolders = ["bin", "obj", "node_modules", "lib", ".git", "data", "TestResults"];

    private string StampFile => Path.Combine(repositoryRoot, "federation", "Hotline.Launcher", "obj",
        $"hosts-{configuration}.stamp");

    /// <summary>The published entry assembly of a host project folder such as <c>municipal/Hotline.Municipal</c>.</summary>
    public string AssemblyOf(string project)
    {
        var name = Path.GetFileName(project);
        return Path.Combine(repositoryRoot, project, "bin", configuration, "net10.0", "publish", name + ".dll");
    }

    /// <summary>True when every host is published: its assembly and its static-asset manifest are in the publish folder.</summary>
    public bool IsBuilt(IEnumerable<string> projects) => projects.All(p =>
        File.Exists(AssemblyOf(p)) && File.Exists(Path.ChangeExtension(AssemblyOf(p), ".staticwebassets.endpoints.json")));

    /// <summary>Builds unless up to date. Returns false (after printing the build output) when the build fails.</summary>
    public async Task<bool> BuildAsync(IReadOnlyCollection<string> projects, CancellationToken cancellationToken)
    {
        var fingerprint = Fingerprint();
        if (IsBuilt(projects) && File.Exists(StampFile) && await File.ReadAllTextAsync(StampFile, cancellationToken) == fingerprint)
        {
            Console.WriteLine("[launcher] hosts are up to date, skipping the publish.");
            return true;
        }

        Console.WriteLine($"[launcher] building and publishing the hosts ({configuration})…");
        var watch = Stopwatch.StartNew();
        var info = new ProcessStartInfo(DotNet.Path)
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "publish", Path.Combine("federation", "Hotline.Launcher", "hosts.slnf"), "-c", configuration,
                     "-nologo", "-clp:ErrorsOnly", "-v:q" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet publish did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            await Console.Error.WriteLineAsync($"[launcher] the publish failed (exit code {process.ExitCode}):");
            await Console.Error.WriteLineAsync(await stdout + await stderr);
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(StampFile)!);
        await File.WriteAllTextAsync(StampFile, Fingerprint(), cancellationToken);
        Console.WriteLine($"[launcher] published in {watch.Elapsed.TotalSeconds:F1} s.");
        return true;
    }

    private string Fingerprint()
    {
        var builder = new StringBuilder();
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
        {
            Append(builder, new FileInfo(Path.Combine(repositoryRoot, file)));
        }

        foreach (var folder in SourceFolders)
        {
            var root = new DirectoryInfo(Path.Combine(repositoryRoot, folder));
            if (root.Exists)
            {
                Walk(root, builder);
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    private void Walk(DirectoryInfo directory, StringBuilder builder)
    {
        foreach (var file in directory.EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            Append(builder, file);
        }

        foreach (var child in directory.EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            if (!SkippedFolders.Contains(child.Name, StringComparer.Ordinal))
            {
                Walk(child, builder);
            }
        }
    }

    private void Append(StringBuilder builder, FileInfo file)
    {
        if (file.Exists)
        {
            builder.Append(Path.GetRelativePath(repositoryRoot, file.FullName)).Append('|')
                .Append(file.Length.ToString(CultureInfo.InvariantCulture)).Append('|')
                .Append(file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}

/// <summary>Finds the <c>dotnet</c> executable and the repository the launcher belongs to.</summary>
internal static class DotNet
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var self = Environment.ProcessPath;
        if (self is not null && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        var candidates = new List<string?>
        {
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root ? System.IO.Path.Combine(root, "dotnet") : null,
        };
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, "dotnet")));
        candidates.Add("/usr/share/dotnet/dotnet");
        candidates.Add("/usr/lib/dotnet/dotnet");
        return candidates.FirstOrDefault(c => c is not null && File.Exists(c)) ?? "dotnet";
    }

    /// <summary>The folder holding <c>Hotline.sln</c>, searched upwards from the working directory and the launcher.</summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Hotline.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
