namespace Hotline.SharedKernel;

/// <summary>The kinds of expected failure a use case can report. Endpoints map each to one HTTP status.</summary>
public enum ErrorKind
{
    /// <summary>Input is malformed or breaks a rule (400).</summary>
    Invalid,
    /// <summary>The thing asked for does not exist or is not visible to the caller (404).</summary>
    NotFound,
    /// <summary>The request clashes with the current state (409).</summary>
    Conflict,
    /// <summary>The caller may not do this (403).</summary>
    Forbidden,
    /// <summary>Another node or service this one depends on did not answer (502).</summary>
    Unavailable,
    /// <summary>The caller sent more requests than its limit allows; it may retry later (429).</summary>
    TooManyRequests,
}

/// <summary>An expected failure: a stable machine code, a human message, and per-field details for validation.</summary>
public sealed record Error(ErrorKind Kind, string Code, string Message, IReadOnlyDictionary<string, string[]>? Fields = null)
{
    public static Error NotFound(string code, string message) => new(ErrorKind.NotFound, code, message);

    public static Error Conflict(string code, string message) => new(ErrorKind.Conflict, code, message);

    public static Error Forbidden(string code, string message) => new(ErrorKind.Forbidden, code, message);

    public static Error Invalid(string code, string message) => new(ErrorKind.Invalid, code, message);

    public static Error Unavailable(string code, string message) => new(ErrorKind.Unavailable, code, message);

    public static Error TooManyRequests(string code, string message) => new(ErrorKind.TooManyRequests, code, message);

    /// <summary>A validation failure naming each bad field.</summary>
    public static Error Validation(IReadOnlyDictionary<string, string[]> fields) =>
        new(ErrorKind.Invalid, "validation", "One or more fields are invalid.", fields);
}

/// <summary>The outcome of a use case: a value or an <see cref="Error"/>.</summary>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T value)
    {
        _value = value;
        Error = null;
    }

    private Result(Error error)
    {
        _value = default;
        Error = error;
    }

    public Error? Error { get; }

    public bool IsSuccess => Error is null;

    public T Value => IsSuccess ? _value! : throw new InvalidOperationException($"Result holds error '{Error!.Code}', not a value.");

    public static Result<T> Success(T value) => new(value);

    public static Result<T> Failure(Error error) => new(error);

    public static implicit operator Result<T>(T value) => new(value);

    public static implicit operator Result<T>(Error error) => new(error);

    public TOut Match<TOut>(Func<T, TOut> onSuccess, Func<Error, TOut> onError) =>
        IsSuccess ? onSuccess(_value!) : onError(Error!);
}

/// <summary>Helpers for results without a value.</summary>
public static class Result
{
    /// <summary>A successful result without a value.</summary>
    public static Result<Unit> Ok() => Result<Unit>.Success(Unit.Value);
}

/// <summary>The single value of a result that carries no data.</summary>
public readonly record struct Unit
{
    public static readonly Unit Value;
}
