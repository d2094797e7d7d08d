using System.Reflection;
using NetArchTest.Rules;

namespace Hotline.Architecture.Tests;

public sealed class BoundaryTests
{
    public static TheoryData<string> SharedModules()
    {
        var data = new TheoryData<string>();
        foreach (var module in Modules.Shared)
        {
            data.Add(module);
        }

        return data;
    }

    [Fact]
    public void Every_shared_module_is_under_test()
    {
        var missing = Modules.Shared.Where(m => !File.Exists(Path.Combine(AppContext.BaseDirectory, m + ".dll"))).ToList();
        Assert.True(missing.Count == 0,
            $"Add a ProjectReference to tests/Hotline.Architecture.Tests for: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(SharedModules))]
    public void Shared_modules_do_not_depend_on_hosts_or_federation(string module)
    {
        var result = Types.InAssembly(Modules.Load(module))
            .ShouldNot().HaveDependencyOnAny([.. Modules.Hosts, .. Modules.Federation])
            .GetResult();
        AssertPassed(result, $"{module} must not reach into hosts or federation");
        AssertNoReference(Modules.Load(module), [.. Modules.Hosts, .. Modules.Federation]);
    }

    [Fact]
    public void SharedKernel_depends_on_nothing_of_ours()
    {
        var kernel = Modules.Load(Modules.SharedKernel);
        var result = Types.InAssembly(kernel)
            .ShouldNot().HaveDependencyOnAny(Modules.AllOurs(Modules.SharedKernel))
            .GetResult();
        AssertPassed(result, "SharedKernel must stand alone");
        Assert.DoesNotContain(kernel.GetReferencedAssemblies(), a => a.Name!.StartsWith("Hotline.", StringComparison.Ordinal));
    }

    [Fact]
    public void ServiceDefaults_depend_only_on_the_shared_kernel()
    {
        var result = Types.InAssembly(Modules.Load(Modules.ServiceDefaults))
            .ShouldNot().HaveDependencyOnAny(Modules.AllOurs(Modules.ServiceDefaults, Modules.SharedKernel))
            .GetResult();
        AssertPassed(result, "ServiceDefaults must not know any module");
    }

    [Theory]
    [InlineData(Modules.Ticketing, Modules.Telephony)]
    [InlineData(Modules.Telephony, Modules.Ticketing)]
    public void Ticketing_and_telephony_do_not_depend_on_each_other(string module, string other)
    {
        var result = Types.InAssembly(Modules.Load(module)).ShouldNot().HaveDependencyOn(other).GetResult();
        AssertPassed(result, $"{module} must not depend on {other}");
        AssertNoReference(Modules.Load(module), [other]);
    }

    [Theory]
    [InlineData("Hotline.Municipal")]
    [InlineData("Hotline.Provincial")]
    [InlineData("Hotline.National")]
    public void Tiers_do_not_reference_each_other(string tier)
    {
        string[] others = [.. Modules.Hosts.Where(h => h != tier)];
        var assembly = Modules.Load(tier);
        AssertPassed(Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(others).GetResult(), $"{tier} must not use another tier");
        AssertNoReference(assembly, others);
    }

    [Theory]
    [InlineData("Hotline.Federation")]
    [InlineData("Hotline.Directory")]
    public void Federation_does_not_depend_on_hosts(string library)
    {
        var assembly = Modules.Load(library);
        AssertPassed(Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(Modules.Hosts).GetResult(), $"{library} must not use a host");
        AssertNoReference(assembly, Modules.Hosts);
    }

    [Fact]
    public void Federation_reaches_a_citys_cases_only_through_its_CityCases_face()
    {
        // The ticketing adapters live where ticketing and federation are composed (municipal/…/Composition, ADR-012).
        var federation = Modules.Load("Hotline.Federation");
        AssertPassed(Types.InAssembly(federation).ShouldNot().HaveDependencyOnAny(Modules.Ticketing, Modules.Telephony).GetResult(),
            "Hotline.Federation must not use the case or call modules");
        AssertNoReference(federation, [Modules.Ticketing, Modules.Telephony]);
    }

    [Theory]
    [InlineData("Hotline.Municipal")]
    [InlineData("Hotline.Provincial")]
    [InlineData("Hotline.National")]
    public void Node_hosts_only_compose_modules(string host)
    {
        var types = Modules.Load(host).GetTypes()
            .Where(t => t.IsPublic && t.Name != "Program")
            .Select(t => t.FullName)
            .ToList();
        Assert.True(types.Count == 0, $"{host} should only compose modules; move these into a module: {string.Join(", ", types)}");
    }

    private static void AssertPassed(TestResult result, string rule) =>
        Assert.True(result.IsSuccessful, $"{rule}: {string.Join(", ", result.FailingTypeNames ?? [])}");

    private static void AssertNoReference(Assembly assembly, IEnumerable<string> forbidden)
    {
        var references = assembly.GetReferencedAssemblies().Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var bad = forbidden.Where(references.Contains).ToList();
        Assert.True(bad.Count == 0, $"{assembly.GetName().Name} references {string.Join(", ", bad)}");
    }
}
