using Hotline.SharedKernel;
using Microsoft.AspNetCore.Http;

namespace Hotline.ServiceDefaults;

/// <summary>
/// The one place where use-case results become HTTP responses: success through the given mapping, each
/// <see cref="Error"/> as RFC 9457 ProblemDetails (validation errors with an <c>errors</c> member per field).
/// </summary>
public static class ResultHttp
{
    /// <summary>200 with the value, or ProblemDetails.</summary>
    public static IResult ToHttpResult<T>(this Result<T> result) =>
        result.ToHttpResult(value => TypedResults.Ok(value));

    /// <summary>The mapped success (e.g. <c>v =&gt; TypedResults.Created(url, v)</c>), or ProblemDetails.</summary>
    public static IResult ToHttpResult<T>(this Result<T> result, Func<T, IResult> onSuccess)
    {
        ArgumentNullException.ThrowIfNull(onSuccess);
        return result.Match(onSuccess, e => e.ToProblem());
    }

    /// <summary>The HTTP status of an error kind.</summary>
    public static int StatusCode(this ErrorKind kind) => kind switch
    {
        ErrorKind.Invalid => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.Unavailable => StatusCodes.Status502BadGateway,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// An <see cref="Error"/> as ProblemDetails: <c>title</c> names the kind, <c>detail</c> is the message, the machine
    /// code is in the <c>code</c> member, and <paramref name="extensions"/> (e.g. the case number) are added beside it.
    /// </summary>
    public static IResult ToProblem(this Error error, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var members = new Dictionary<string, object?> { ["code"] = error.Code };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            members[key] = value;
        }
        if (error.Fields is { Count: > 0 } fields)
        {
            return TypedResults.ValidationProblem(
                fields.ToDictionary(f => f.Key, f => f.Value),
                detail: error.Message,
                type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                extensions: members);
        }

        return TypedResults.Problem(
            detail: error.Message,
            statusCode: error.Kind.StatusCode(),
            title: Title(error.Kind),
            extensions: members);
    }

    private static string Title(ErrorKind kind) => kind switch
    {
        ErrorKind.Invalid => "Invalid request",
        ErrorKind.NotFound => "Not found",
        ErrorKind.Conflict => "Conflict",
        ErrorKind.Forbidden => "Forbidden",
        ErrorKind.Unavailable => "Upstream unavailable",
        ErrorKind.TooManyRequests => "Too many requests",
        _ => "Error",
    };
}
