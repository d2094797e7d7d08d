using Hotline.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotline.ServiceDefaults;

/// <summary>Thrown at start-up when the <c>Node</c> section is missing or wrong; the message names each bad field.</summary>
public sealed class NodeConfigurationException : Exception
{
    public NodeConfigurationException()
    {
        Errors = [];
    }

    public NodeConfigurationException(string message)
        : base(message)
    {
        Errors = [message];
    }

    public NodeConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public NodeConfigurationException(IReadOnlyList<string> errors)
        : base("Invalid node configuration: " + string.Join(" ", errors))
    {
        Errors = errors;
    }

    /// <summary>One message per bad field, e.g. "Node:Parent '' is required for a Municipal node …".</summary>
    public IReadOnlyList<string> Errors { get; }
}

/// <summary>Reads and checks who this node is, before anything else is registered or listens.</summary>
public static class NodeConfiguration
{
    /// <summary>
    /// Binds the <c>Node</c> section, validates it with <see cref="NodeOptions.Validate"/> and registers it as
    /// <c>IOptions&lt;NodeOptions&gt;</c> and as a <see cref="NodeOptions"/> singleton. A bad configuration throws
    /// <see cref="NodeConfigurationException"/>; in a host, <see cref="StartupFailure"/> prints each message to stderr
    /// and exits with code 1.
    /// </summary>
    public static NodeOptions AddNodeOptions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var node = Read(builder.Configuration);
        builder.Services.BindSectionOnce<NodeOptions>(builder.Configuration, NodeOptions.SectionName)
            .Validate(o => o.Validate().Count == 0, "Node configuration is invalid.")
            .ValidateOnStart();
        builder.Services.AddSingleton(node);
        return node;
    }

    /// <summary>Binds and validates the <c>Node</c> section without registering anything.</summary>
    public static NodeOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var node = new NodeOptions();
        IReadOnlyList<string> errors;
        try
        {
            configuration.GetSection(NodeOptions.SectionName).Bind(node);
            errors = node.Validate();
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the path itself: "Failed to convert configuration value 'x' at 'Node:Tier' …".
            errors = [ex.Message];
        }

        if (errors.Count > 0)
        {
            throw new NodeConfigurationException(errors);
        }

        return node;
    }
}
