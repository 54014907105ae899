using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace Nexodus.Mesh.Control.Api;

/// <summary>
/// Turns a failed query or route parameter binding (<c>?vpcId=abc</c>, <c>?limit=99999999999</c>) into the usual 400
/// naming the parameter. Minimal APIs report these as <see cref="BadHttpRequestException"/> (RouteHandlerOptions.
/// ThrowOnBadRequest), whose message carries the parameter's name; without this they would be a bare "Bad Request".
/// </summary>
internal sealed partial class ParameterBindingErrors : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || bad.StatusCode >= 500 || httpContext.Response.HasStarted)
        {
            return false;
        }

        var m = BindingMessage().Match(bad.Message);
        var result = m.Success
            ? ValidationErrors.Single(m.Groups["name"].Value, Reason(m.Groups["type"].Value, m.Groups["value"].Success))
            : Results.Problem(statusCode: bad.StatusCode, title: bad.Message);
        httpContext.Response.StatusCode = bad.StatusCode;
        await result.ExecuteAsync(httpContext);
        return true;
    }

    private static string Reason(string type, bool hadValue)
    {
        if (!hadValue)
        {
            return "is required";
        }

        var t = type.TrimEnd('?');
        return t switch
        {
            "Guid" => "must be a GUID",
            "int" or "Int32" => "must be a 32-bit integer",
            "long" or "Int64" => "must be a 64-bit integer",
            "bool" or "Boolean" => "must be true or false",
            _ => $"must be a {t}",
        };
    }

    // RequestDelegateFactory: 'Failed to bind parameter "Guid? vpcId" from "abc".' and
    // 'Required parameter "Guid id" was not provided from route.'
    [GeneratedRegex("parameter \"(?<type>[^\"]*) (?<name>[A-Za-z0-9_]+)\"(?: from \"(?<value>.*)\")?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex BindingMessage();
}
