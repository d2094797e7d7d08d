if (args.Length > 0 && args[0] == "sip-engine")
{
    // The telephony load tests drive a standalone engine with SIPp (Telephony/run-telephony-bench.sh).
    await Hotline.Benchmarks.Telephony.SipEngineCommand.RunAsync(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "ticketing")
{
    // Stopwatch harnesses for the ticketing targets (Ticketing/README in docs/benchmarks.md).
    Environment.ExitCode = await Hotline.Benchmarks.Ticketing.TicketingCommand.RunAsync(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "knowledge")
{
    // Stopwatch harness for the knowledge index (docs/benchmarks.md, Knowledge).
    Environment.ExitCode = await Hotline.Benchmarks.Knowledge.KnowledgeCommand.RunAsync(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "analytics")
{
    // Stopwatch harness for the statistics targets (docs/benchmarks.md, Analytics).
    Environment.ExitCode = await Hotline.Benchmarks.Analytics.AnalyticsCommand.RunAsync(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "federation")
{
    // Stopwatch harness for the federation relay (docs/benchmarks.md, Federation).
    Environment.ExitCode = await Hotline.Benchmarks.Federation.FederationCommand.RunAsync(args[1..]);
    return;
}

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
