using System.Reflection;

namespace Hotline.Architecture.Tests;

/// <summary>The assemblies of the solution, by role, loaded from this test's output folder.</summary>
internal static class Modules
{
    public const string SharedKernel = "Hotline.SharedKernel";
    public const string ServiceDefaults = "Hotline.ServiceDefaults";
    public const string Ticketing = "Hotline.Ticketing";
    public const string Telephony = "Hotline.Telephony";

    /// <summary>Deployable hosts: one per tier plus the gateway.</summary>
    public static readonly string[] Hosts = ["Hotline.Municipal", "Hotline.Provincial", "Hotline.National", "Hotline.Gateway"];

    /// <summary>The node tiers' hosts.</summary>
    public static readonly string[] Tiers = ["Hotline.Municipal", "Hotline.Provincial", "Hotline.National"];

    /// <summary>Federation libraries (bus, relay, directory, launcher).</summary>
    public static readonly string[] Federation = ["Hotline.Federation", "Hotline.Directory", "Hotline.Launcher"];

    /// <summary>The checkout this test runs in (the folder holding Hotline.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The shared modules: every project folder under <c>shared/</c> (after <see cref="RepositoryRoot"/>: initialized in order).</summary>
    public static IReadOnlyList<string> Shared { get; } = FindShared();

    public static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    /// <summary>Every Hotline namespace root except <paramref name="except"/>.</summary>
    public static string[] AllOurs(params string[] except) =>
        [.. Shared.Concat(Hosts).Concat(Federation).Where(n => !except.Contains(n))];

    private static string[] FindShared() =>
        [.. System.IO.Directory.GetDirectories(Path.Combine(RepositoryRoot, "shared"))
            .Where(d => System.IO.Directory.GetFiles(d, "*.csproj").Length > 0)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hotline.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("Hotline.sln not found above " + AppContext.BaseDirectory);
        }

        return dir.FullName;
    }
}
