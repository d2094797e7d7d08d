using System.Globalization;

namespace Hotline.Launcher;

/// <summary>The launcher's command line.</summary>
internal sealed class LaunchOptions
{
    public const string Usage = """
        Usage: dotnet run --project federation/Hotline.Launcher -- [options]
          --data DIR            data folder (default ./data): databases, logs, secrets, federation.json
          --topology FILE       topology JSON (default: the embedded demo federation)
          --postgres CONN       use PostgreSQL (one database per node) instead of SQLite files
          --rabbitmq URI        use RabbitMQ for the federation bus instead of the HTTP transport
          --configuration CFG   build configuration of the hosts (default Release)
          --no-build            do not build and publish the hosts (they must already be published:
                                dotnet publish federation/Hotline.Launcher/hosts.slnf -c Release)
          --random-ports        any free ports instead of the 5000/5100/5060 ranges
          --only ID[,ID…]       start only these nodes of an already launched data folder (a node joining later)
          --environment ENV     ASPNETCORE_ENVIRONMENT of the children (default Production)
          --ready-timeout SEC   how long to wait for each /health/ready (default 180)
        """;

    public string DataDirectory { get; private set; } = Path.GetFullPath("data");

    public string? TopologyFile { get; private set; }

    public string? Postgres { get; private set; }

    public string? RabbitMq { get; private set; }

    public string Configuration { get; private set; } = "Release";

    public bool NoBuild { get; private set; }

    public bool RandomPorts { get; private set; }

    public IReadOnlyList<string> Only { get; private set; } = [];

    public string Environment { get; private set; } = "Production";

    public TimeSpan ReadyTimeout { get; private set; } = TimeSpan.FromSeconds(180);

    public static (LaunchOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new LaunchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{arg} needs a value.");
                }

                return args[++i];
            }

            try
            {
                switch (arg)
                {
                    case "--data": options.DataDirectory = Path.GetFullPath(Value()); break;
                    case "--topology": options.TopologyFile = Path.GetFullPath(Value()); break;
                    case "--postgres": options.Postgres = Value(); break;
                    case "--rabbitmq": options.RabbitMq = Value(); break;
                    case "--configuration" or "-c": options.Configuration = Value(); break;
                    case "--no-build": options.NoBuild = true; break;
                    case "--random-ports": options.RandomPorts = true; break;
                    case "--only":
                        options.Only = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        break;
                    case "--environment": options.Environment = Value(); break;
                    case "--ready-timeout":
                        options.ReadyTimeout = TimeSpan.FromSeconds(int.Parse(Value(), CultureInfo.InvariantCulture));
                        break;
                    case "--help" or "-h": return (null, null);
                    default: return (null, $"Unknown option '{arg}'.");
                }
            }
            catch (ArgumentException ex)
            {
                return (null, ex.Message);
            }
            catch (FormatException)
            {
                return (null, $"{arg} needs a number.");
            }
        }

        return (options, null);
    }
}
