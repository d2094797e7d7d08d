using System.Globalization;

namespace Hotline.Testing;

/// <summary>Reads /proc: which processes are alive, and whose parent is whom.</summary>
public static class ProcessTable
{
    public static bool IsAlive(int pid)
    {
        var stat = Stat(pid);
        // A zombie (state Z) has exited; only its parent has not reaped it yet.
        return stat is not null && stat.Value.State != 'Z';
    }

    public static IReadOnlyList<int> ChildrenOf(int parentPid)
    {
        var children = new List<int>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } stat && stat.ParentPid == parentPid && stat.State != 'Z')
            {
                children.Add(pid);
            }
        }

        return children;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static (char State, int ParentPid)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid …" — comm may contain spaces and parentheses; split after the last ')'.
            var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (rest[0][0], int.Parse(rest[1], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
