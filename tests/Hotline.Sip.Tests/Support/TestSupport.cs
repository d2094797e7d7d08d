using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hotline.Telephony.Sip;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Hotline.Sip.Tests.Support;

/// <summary>Free loopback ports for peers that need a number up front.</summary>
internal static class FreePort
{
    public static int Udp()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>A port free for both UDP and TCP.</summary>
    public static int Both()
    {
        for (var i = 0; i < 50; i++)
        {
            var p = Udp();
            try
            {
                var l = new TcpListener(IPAddress.Loopback, p);
                l.Start();
                l.Stop();
                return p;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free port");
    }
}

/// <summary>Runs an external program and captures its output.</summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public ExternalProcess(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

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

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

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

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException("process did not finish: " + Output);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>SIPp runs against the engine with a scenario kept in Scenarios/.</summary>
internal static class Sipp
{
    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    public static Task<(int ExitCode, string Output)> RunAsync(IPEndPoint target, string scenario, TimeSpan timeout,
        string transport = "u1", params string[] extra) => RunOnPortAsync(target, scenario, timeout, FreePort.Both(), transport, extra);

    /// <summary>A SIPp UAS (e.g. an agent phone registered beforehand from the same port) waiting for one call.</summary>
    public static ExternalProcess StartUas(string scenario, int port, TimeSpan timeout) => new("sipp",
    [
        "-sf", Scenario(scenario), "-m", "1", "-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-mp", FreePort.Udp().ToString(System.Globalization.CultureInfo.InvariantCulture), "-timeout", $"{(int)timeout.TotalSeconds}s",
        "-timeout_error", "-nostdin", "-trace_err",
    ], Directory.CreateTempSubdirectory("sipp-uas-").FullName);

    public static async Task<(int ExitCode, string Output)> RunOnPortAsync(IPEndPoint target, string scenario, TimeSpan timeout,
        int port, string transport = "u1", params string[] extra)
    {
        var trace = Directory.CreateTempSubdirectory("sipp-");
        var args = new List<string>
        {
            $"{target.Address}:{target.Port}", "-sf", Scenario(scenario), "-m", "1", "-l", "1", "-t", transport,
            "-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-timeout", $"{(int)timeout.TotalSeconds}s", "-timeout_error", "-nostdin", "-trace_err", "-trace_msg",
            "-buff_size", "4194304",
        };
        args.AddRange(extra);
        await using var p = new ExternalProcess("sipp", args, trace.FullName);
        var code = await p.WaitAsync(timeout + TimeSpan.FromSeconds(10));
        var logs = string.Join("\n", trace.GetFiles("*.log").Select(f => f.Name + ":\n" + File.ReadAllText(f.FullName)));
        trace.Delete(recursive: true);
        return (code, p.Output + "\n" + logs);
    }
}

/// <summary>Sends engine logs to the xunit output of the running test.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new L(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class L(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}");
            }
            catch (InvalidOperationException)
            {
                // the test already finished
            }
        }
    }
}

/// <summary>An engine on free loopback ports with a temporary data folder and two agent extensions.</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    public const string Agent1 = "8001";
    public const string Agent2 = "8002";
    public const string Password = "s3cret-8001";

    private readonly ILoggerFactory _loggers;

    private readonly Hotline.Telephony.TelephonyNode _node;

    private EngineHost(Hotline.Telephony.TelephonyNode node, ILoggerFactory loggers, string data, RecordingSinks sinks)
    {
        _node = node;
        _loggers = loggers;
        DataDirectory = data;
        Sinks = sinks;
    }

    public SipEngine Engine => _node.Engine;

    public Hotline.Telephony.CallControl.CallCenter Calls => _node.Calls;

    public string DataDirectory { get; }

    public RecordingSinks Sinks { get; }

    public IPEndPoint Udp => Engine.UdpEndPoint;

    /// <summary>Prompts are synthesized once per test run and shared, so each engine starts fast.</summary>
    private static readonly string SharedPrompts = Path.Combine(Path.GetTempPath(), "hotline-sip-tests-prompts");

    public static async Task<EngineHost> StartAsync(ITestOutputHelper output, Action<Hotline.Telephony.SipOptions>? configure = null)
    {
        var data = Directory.CreateTempSubdirectory("hotline-sip-").FullName;
        Directory.CreateDirectory(SharedPrompts);
        var promptLink = Path.Combine(data, "prompts");
        Directory.CreateSymbolicLink(promptLink, SharedPrompts);
        var options = new Hotline.Telephony.SipOptions
        {
            Udp = "127.0.0.1:0",
            Tcp = "127.0.0.1:0",
            DataDirectory = data,
            Extensions =
            [
                new() { Extension = Agent1, Password = Password },
                new() { Extension = Agent2, Password = "s3cret-8002" },
            ],
            WrapUpSeconds = 1,
            IvrAnswer = Hotline.Telephony.IvrAnswerMode.EarlyMedia, // the scenarios here were written for 183 (IvrAnswerAndBindingTests: Answer)
        };
        configure?.Invoke(options);
        var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Information));
        var sinks = new RecordingSinks();
        var node = new Hotline.Telephony.TelephonyNode(options, loggers, voicemail: sinks, events: sinks);
        await node.StartAsync();
        return new EngineHost(node, loggers, data, sinks);
    }

    public async ValueTask DisposeAsync()
    {
        await _node.StopAsync();
        _loggers.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Collects voicemails and call events.</summary>
internal sealed class RecordingSinks : Hotline.Telephony.IVoicemailSink, Hotline.Telephony.ICallEventSink
{
    private readonly Lock _gate = new();
    private readonly List<Hotline.Telephony.CallEvent> _events = [];
    private readonly List<Hotline.Telephony.VoicemailRecorded> _voicemails = [];

    public IReadOnlyList<Hotline.Telephony.CallEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToList();
            }
        }
    }

    public IReadOnlyList<Hotline.Telephony.VoicemailRecorded> Voicemails
    {
        get
        {
            lock (_gate)
            {
                return _voicemails.ToList();
            }
        }
    }

    public void Publish(Hotline.Telephony.CallEvent callEvent)
    {
        lock (_gate)
        {
            _events.Add(callEvent);
        }
    }

    public Task<string?> VoicemailRecordedAsync(Hotline.Telephony.VoicemailRecorded voicemail, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _voicemails.Add(voicemail);
        }

        return Task.FromResult<string?>("440300-20261125-000001");
    }
}
