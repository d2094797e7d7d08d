using System.Text.Json;
using Hotline.ServiceDefaults;
using Hotline.SharedKernel;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Identity.Tests;

public sealed class ResultHttpTests
{
    [Fact]
    public async Task Validation_error_is_400_with_errors_per_field()
    {
        var result = Result<int>.Failure(Error.Validation(new Dictionary<string, string[]>
        {
            ["phone"] = ["Phone is required."],
            ["type"] = ["Unknown type."],
        }));
        var (status, body) = await ExecuteAsync(result.ToHttpResult());
        Assert.Equal(400, status);
        Assert.Equal("Phone is required.", body.GetProperty("errors").GetProperty("phone")[0].GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty("type", out _));
        Assert.Equal("validation", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(ErrorKind.NotFound, 404)]
    [InlineData(ErrorKind.Conflict, 409)]
    [InlineData(ErrorKind.Forbidden, 403)]
    [InlineData(ErrorKind.Invalid, 400)]
    public async Task Each_error_kind_has_its_status(ErrorKind kind, int expected)
    {
        var result = Result<int>.Failure(new Error(kind, "case.x", "Something."));
        var (status, body) = await ExecuteAsync(result.ToHttpResult());
        Assert.Equal(expected, status);
        Assert.Equal("case.x", body.GetProperty("code").GetString());
        Assert.Equal("Something.", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Success_uses_the_given_mapping()
    {
        var (status, body) = await ExecuteAsync(Result<string>.Success("440300-20261125-000001")
            .ToHttpResult(v => TypedResults.Created("/api/v1/cases/" + v, new { caseNumber = v })));
        Assert.Equal(201, status);
        Assert.Equal("440300-20261125-000001", body.GetProperty("caseNumber").GetString());
    }

    private static async Task<(int Status, JsonElement Body)> ExecuteAsync(IResult result)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        body.Position = 0;
        return (context.Response.StatusCode, await JsonSerializer.DeserializeAsync<JsonElement>(body));
    }
}
