using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;

namespace Nexodus.Mesh.Control.Api;

/// <summary>
/// Reads a JSON request body with precise errors: malformed JSON, wrong types and unknown fields become a 400
/// naming the JSON path; bodies over the limit a 413. Model binding would hide these details or answer 500.
/// </summary>
internal static class JsonBody
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            MaxDepth = 16,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return o;
    }

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "send the body as application/json"));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
            return value is null ? (null, ValidationErrors.Single("body", "must be a JSON object")) : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            var reason = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a known field"
                : ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "has the wrong type"
                : "is not valid JSON";
            return (null, ValidationErrors.Single(field, reason));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return (null, Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"request body larger than {limit} bytes"));
        }
        catch (NotSupportedException)
        {
            return (null, ValidationErrors.Single("body", "has an unsupported shape"));
        }
    }
}
