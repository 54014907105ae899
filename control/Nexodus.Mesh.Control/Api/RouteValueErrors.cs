using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Nexodus.Mesh.Control.Api;

/// <summary>
/// Explains a request that reached the <c>/api</c> fallback instead of an endpoint. Routing falls through to the
/// fallback for three fixable mistakes, each answered with what to change instead of a bare 404:
/// a route value that breaks its constraint (<c>/api/vpcs/not-a-guid</c>) → 400 naming the parameter; a path that
/// exists for other methods → 405 with <c>Allow</c>; a path and method that exist but only for JSON bodies → 415.
/// </summary>
internal static class RouteValueErrors
{
    private enum Fit
    {
        None,
        Exact,
        BadValues,
    }

    public static IResult? Find(EndpointDataSource endpoints, HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints)
        {
            if (endpoint is not RouteEndpoint { RoutePattern: var pattern } || pattern.PathSegments.Count != segments.Length)
            {
                continue;
            }

            var errors = new ValidationErrors();
            switch (Match(pattern, segments, errors))
            {
                case Fit.BadValues:
                    return errors.ToResult();
                case Fit.Exact:
                    foreach (var m in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                    {
                        allowed.Add(m);
                    }

                    break;
            }
        }

        if (allowed.Count == 0)
        {
            return null;
        }

        if (allowed.Contains(context.Request.Method))
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "send the body as application/json");
        }

        context.Response.Headers.Allow = string.Join(", ", allowed);
        return Results.Problem(
            statusCode: StatusCodes.Status405MethodNotAllowed,
            title: $"{context.Request.Method} is not allowed here; use {string.Join(" or ", allowed)}");
    }

    private static Fit Match(RoutePattern pattern, string[] segments, ValidationErrors errors)
    {
        for (var i = 0; i < segments.Length; i++)
        {
            var parts = pattern.PathSegments[i].Parts;
            if (parts.Count != 1)
            {
                return Fit.None;
            }

            switch (parts[0])
            {
                case RoutePatternLiteralPart literal when !string.Equals(literal.Content, segments[i], StringComparison.OrdinalIgnoreCase):
                    return Fit.None;
                case RoutePatternParameterPart { IsCatchAll: true }:
                    return Fit.None;
                case RoutePatternParameterPart parameter:
                    var value = Uri.UnescapeDataString(segments[i]);
                    foreach (var policy in parameter.ParameterPolicies)
                    {
                        if (policy.Content == "guid" && !Guid.TryParse(value, out _))
                        {
                            errors.Add(parameter.Name, "must be a GUID");
                        }
                        else if (policy.Content == "int" && !int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _))
                        {
                            errors.Add(parameter.Name, "must be a 32-bit integer");
                        }
                    }

                    break;
            }
        }

        return errors.Any ? Fit.BadValues : Fit.Exact;
    }
}
