using System.Reflection;
using Microsoft.Extensions.Options;

namespace Hotline.ServiceDefaults;

/// <summary>
/// Turns a configuration error that escapes <c>Main</c> (a bad <c>Node</c> section while building, an
/// <see cref="OptionsValidationException"/> from <c>ValidateOnStart</c> when the host starts) into one line per bad field
/// on stderr and exit code <see cref="ExitCode"/>, instead of an unhandled-exception abort (134) with a stack trace.
/// Every other exception keeps the runtime's default behaviour.
/// </summary>
public static class StartupFailure
{
    /// <summary>The exit code of a process stopped by bad configuration.</summary>
    public const int ExitCode = 1;

    /// <summary>The prefix of each line written to stderr.</summary>
    public const string Prefix = "hotline: configuration error: ";

    private const string BinderFailure = "Failed to convert configuration value";

    private static int _installed;

    /// <summary>Installs the handler once per process (later calls do nothing). Called by <c>AddServiceDefaults()</c>.</summary>
    public static void ExitCleanlyOnConfigurationErrors()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0)
        {
            AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        }
    }

    /// <summary>
    /// The configuration errors carried by <paramref name="exception"/> (looking through aggregate, invocation and
    /// wrapping exceptions), one message per bad field; null when it is not a configuration error.
    /// </summary>
    public static IReadOnlyList<string>? ConfigurationErrors(Exception? exception)
    {
        var errors = new List<string>();
        return Collect(exception, errors, depth: 0) && errors.Count > 0 ? errors.Distinct(StringComparer.Ordinal).ToList() : null;
    }

    private static bool Collect(Exception? exception, List<string> errors, int depth)
    {
        switch (exception)
        {
            case null:
                return false;
            case NodeConfigurationException node:
                errors.AddRange(node.Errors.Count > 0 ? node.Errors : [node.Message]);
                return true;
            case OptionsValidationException options:
                // A generic summary ("… is invalid.") is dropped when a message naming a field is there too.
                var failures = options.Failures.Where(f => !string.IsNullOrWhiteSpace(f)).ToList();
                var specific = failures.Where(f => !f.EndsWith(" is invalid.", StringComparison.Ordinal)).ToList();
                errors.AddRange(specific.Count > 0 ? specific : failures.Count > 0 ? failures : [options.Message]);
                return true;
            case AggregateException aggregate:
                // Only when every inner exception is a configuration error: anything else is a real crash.
                return aggregate.InnerExceptions.Count > 0
                    && aggregate.InnerExceptions.All(inner => Collect(inner, errors, depth + 1));
            case InvalidOperationException binder when binder.Message.StartsWith(BinderFailure, StringComparison.Ordinal):
                // The configuration binder names the path itself: "Failed to convert configuration value 'x' at 'Storage:Provider' …".
                errors.Add(binder.Message);
                return true;
            case TargetInvocationException invocation when depth < 8:
                return Collect(invocation.InnerException, errors, depth + 1);
            default:
                return depth < 8 && exception.InnerException is { } inner
                    && exception is InvalidOperationException
                    && Collect(inner, errors, depth + 1);
        }
    }

    private static void OnUnhandledException(object sender, UnhandledExceptionEventArgs args)
    {
        var errors = ConfigurationErrors(args.ExceptionObject as Exception);
        if (errors is null)
        {
            return;
        }

        foreach (var error in errors)
        {
            Console.Error.WriteLine(Prefix + error);
        }

        Console.Error.Flush();
        Environment.Exit(ExitCode);
    }
}
