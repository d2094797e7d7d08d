// Each test starts real processes; running them side by side on a 2-core machine only makes every one slower.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// The tests drive Linux processes: /proc, signals, setpriv.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
