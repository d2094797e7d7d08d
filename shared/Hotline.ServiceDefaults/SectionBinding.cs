using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotline.ServiceDefaults;

/// <summary>Binds a configuration section to an options type once, however many modules ask for it.</summary>
public static class SectionBinding
{
    /// <summary>
    /// Binds <paramref name="sectionName"/> to <typeparamref name="TOptions"/> unless some module already did. Binding the
    /// same section twice appends every list in it a second time (<c>Node:Children</c>, <c>Federation:Peers</c>), so
    /// modules that share a section call this instead of <c>AddOptions().Bind()</c>. Validations added to the returned
    /// builder apply either way.
    /// </summary>
    public static OptionsBuilder<TOptions> BindSectionOnce<TOptions>(this IServiceCollection services,
        IConfiguration configuration, string sectionName)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddOptions<TOptions>();
        if (!services.Any(d => d.ServiceType == typeof(Bound<TOptions>)))
        {
            services.AddSingleton(new Bound<TOptions>());
            builder.Bind(configuration.GetSection(sectionName));
        }

        return builder;
    }

    /// <summary>Marks that <typeparamref name="TOptions"/> has its section bound.</summary>
    private sealed class Bound<TOptions>;
}
