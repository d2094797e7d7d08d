using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hotline.Launcher.Planning;

/// <summary>
/// What a data folder remembers between launches: the demo password, every client secret and extension password, and
/// the ports handed out. Stored in <c>&lt;data&gt;/launcher-state.json</c>, readable by its owner only (0600), never
/// committed. Restarts therefore keep logins, secrets and (when still free) URLs.
/// </summary>
internal sealed class LauncherState
{
    public const string FileName = "launcher-state.json";

    [JsonPropertyName("demoPassword")]
    public string? DemoPassword { get; set; }

    [JsonPropertyName("secrets")]
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.Ordinal);

    [JsonPropertyName("ports")]
    public Dictionary<string, int> Ports { get; set; } = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static LauncherState Load(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return new LauncherState();
        }

        return JsonSerializer.Deserialize<LauncherState>(File.ReadAllText(path), JsonOptions) ?? new LauncherState();
    }

    public void Save(string dataDirectory) =>
        PrivateFile.WriteAllText(Path.Combine(dataDirectory, FileName), JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>The persisted demo password, created on first use (upper, lower, digit and symbol, 16+ characters).</summary>
    public string GetDemoPassword() => DemoPassword ??= "Hl-" + RandomToken(10) + "-7a";

    /// <summary>A persisted secret by key, created on first use.</summary>
    public string GetSecret(string key)
    {
        if (!Secrets.TryGetValue(key, out var secret))
        {
            secret = RandomToken(32);
            Secrets[key] = secret;
        }

        return secret;
    }

    private static string RandomToken(int length)
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}

/// <summary>Hands out loopback ports: remembered ones when still free, preferred ones, or any free one.</summary>
internal sealed class PortAllocator(LauncherState state, bool preferFixed, bool reuseWithoutCheck)
{
    private readonly HashSet<int> _taken = [];

    /// <summary>A TCP port for <paramref name="key"/>.</summary>
    public int Tcp(string key, int? fixedPort, int preferred) => Allocate(key, fixedPort, preferred, udpToo: false);

    /// <summary>A port free on both TCP and UDP (SIP listens on both with the same number).</summary>
    public int TcpAndUdp(string key, int preferred) => Allocate(key, null, preferred, udpToo: true);

    private int Allocate(string key, int? fixedPort, int preferred, bool udpToo)
    {
        int port;
        if (fixedPort is { } f)
        {
            port = f;
        }
        else if (state.Ports.TryGetValue(key, out var known) && !_taken.Contains(known)
                 && (reuseWithoutCheck || IsFree(known, udpToo)))
        {
            port = known;
        }
        else if (preferFixed && !_taken.Contains(preferred) && IsFree(preferred, udpToo))
        {
            port = preferred;
        }
        else
        {
            port = AnyFree(udpToo);
        }

        _taken.Add(port);
        state.Ports[key] = port;
        return port;
    }

    private int AnyFree(bool udpToo)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            listener.Close();
            if (!_taken.Contains(port) && (!udpToo || IsFree(port, udpToo: true)))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free loopback port found.");
    }

    private static bool IsFree(int port, bool udpToo)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            if (udpToo)
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>Writes files that hold secrets with mode 0600 from the first byte (write to a temp file, then rename).</summary>
internal static class PrivateFile
{
    public static void WriteAllText(string path, string content)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
