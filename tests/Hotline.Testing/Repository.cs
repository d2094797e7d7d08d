namespace Hotline.Testing;

/// <summary>Paths of the repository and of the built launcher (same configuration as these tests).</summary>
public static class Repository
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static string Root { get; } = FindRoot();

    public static string LauncherAssembly =>
        Path.Combine(Root, "federation", "Hotline.Launcher", "bin", Configuration, "net10.0", "Hotline.Launcher.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hotline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Hotline.sln not found above the test output folder.");
    }
}
