using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Hotline.Testing;

/// <summary>Runs Debian's SIPp (<c>sip-tester</c>) once with a scenario file against a SIP address on loopback, from
/// free UDP ports, and returns its exit code with everything it printed and logged.</summary>
public static class Sipp
{
    /// <summary>
    /// One call of <paramref name="scenario"/> to <paramref name="target"/> (<c>host:port</c>). SIPp exits 0 when the
    /// call followed the scenario; the process is killed if it outlives <paramref name="timeout"/> by 15 s.
    /// </summary>
    public static async Task<(int ExitCode, string Log)> CallAsync(string target, string scenario, TimeSpan timeout, params string[] extra)
    {
        var work = Directory.CreateTempSubdirectory("hotline-sipp-");
        var info = new ProcessStartInfo("sipp")
        {
            WorkingDirectory = work.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     target, "-sf", scenario, "-m", "1", "-l", "1",
                     "-t", "u1", "-i", "127.0.0.1", "-p", FreeUdpPort().ToString(CultureInfo.InvariantCulture),
                     "-mp", FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-timeout", $"{(int)timeout.TotalSeconds}s",
                     "-timeout_error", "-nostdin", "-trace_err", "-buff_size", "4194304",
                 }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("sipp did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout + TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var logs = string.Join("\n", work.GetFiles("*.log").Select(f => f.Name + ":\n" + File.ReadAllText(f.FullName)));
        work.Delete(recursive: true);
        return (process.ExitCode, await stdout + "\n" + await stderr + "\n" + logs);
    }

    /// <summary>A UDP port free on loopback right now.</summary>
    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
