using System.Reflection;
using System.Reflection.Emit;

namespace Hotline.Architecture.Tests;

/// <summary>
/// One Error→ProblemDetails mapper: <c>Hotline.ServiceDefaults.ResultHttp</c>. No other code of ours builds ProblemDetails
/// itself (<c>Results.Problem</c>, <c>TypedResults.ValidationProblem</c>, <c>new ProblemDetails</c>…), so every error has the
/// same shape (title per kind, machine code in <c>code</c>). Checked in the IL of every method, lambdas and async bodies included.
/// </summary>
public sealed class ProblemMapperTests
{
    private const string Mapper = "Hotline.ServiceDefaults.ResultHttp";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public static TheoryData<string> OurAssemblies()
    {
        var data = new TheoryData<string>();
        foreach (var name in Modules.AllOurs())
        {
            if (File.Exists(Path.Combine(AppContext.BaseDirectory, name + ".dll")))
            {
                data.Add(name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OurAssemblies))]
    public void Only_ResultHttp_builds_ProblemDetails(string assembly)
    {
        var offenders = new List<string>();
        foreach (var type in Modules.Load(assembly).GetTypes())
        {
            if (type.FullName is { } full && (full == Mapper || full.StartsWith(Mapper + "+", StringComparison.Ordinal)))
            {
                continue;
            }

            foreach (var method in Bodies(type))
            {
                offenders.AddRange(ProblemCalls(method).Select(call => $"{type.FullName}.{method.Name} → {call}"));
            }
        }

        Assert.True(offenders.Count == 0,
            $"Map errors with ResultHttp.ToProblem (shared/Hotline.ServiceDefaults/ResultHttp.cs), not by hand: {string.Join("; ", offenders.Distinct())}");
    }

    [Fact]
    public void The_check_sees_a_hand_built_problem()
    {
        var method = typeof(ProblemMapperTests).GetMethod(nameof(HandBuilt), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.Contains("Results.Problem", ProblemCalls(method));
    }

    [Fact]
    public void The_mapper_itself_builds_them()
    {
        var mapper = Modules.Load(Modules.ServiceDefaults).GetType(Mapper)!;
        Assert.Contains(Bodies(mapper), m => ProblemCalls(m).Any());
    }

    private static Microsoft.AspNetCore.Http.IResult HandBuilt() =>
        Microsoft.AspNetCore.Http.Results.Problem("x", statusCode: 400);

    private static IEnumerable<MethodBase> Bodies(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Cast<MethodBase>()
            .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static));

    /// <summary>The ProblemDetails builders <paramref name="method"/> calls or constructs.</summary>
    private static IEnumerable<string> ProblemCalls(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException)
        {
            yield break;
        }

        if (il is null)
        {
            yield break;
        }

        var i = 0;
        while (i < il.Length)
        {
            OpCode op;
            if (il[i] == 0xFE && i + 1 < il.Length)
            {
                op = OpCodesByValue[unchecked((short)(0xFE00 | il[i + 1]))];
                i += 2;
            }
            else
            {
                op = OpCodesByValue[il[i]];
                i++;
            }

            if (op.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, i);
                if (Resolve(method, token) is { } callee && Builder(callee) is { } name)
                {
                    yield return name;
                }
            }

            i += OperandSize(op, il, i);
        }
    }

    private static MethodBase? Resolve(MethodBase method, int token)
    {
        try
        {
            return method.Module.ResolveMethod(token,
                method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null,
                method.IsGenericMethod ? method.GetGenericArguments() : null);
        }
        catch (Exception ex) when (ex is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException or MissingMemberException)
        {
            return null;
        }
    }

    private static string? Builder(MethodBase callee)
    {
        var type = callee.DeclaringType?.FullName;
        return type switch
        {
            "Microsoft.AspNetCore.Http.Results" or "Microsoft.AspNetCore.Http.TypedResults"
                when callee.Name is "Problem" or "ValidationProblem" => type[(type.LastIndexOf('.') + 1)..] + "." + callee.Name,
            "Microsoft.AspNetCore.Mvc.ProblemDetails" or "Microsoft.AspNetCore.Http.HttpValidationProblemDetails"
                when callee is ConstructorInfo => "new " + type[(type.LastIndexOf('.') + 1)..],
            _ => null,
        };
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (BitConverter.ToInt32(il, at) * 4),
        _ => 4,
    };
}
