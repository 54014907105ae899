using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Control.Tests.Tenancy;

namespace Nexodus.Mesh.Control.Tests.Api;

/// <summary>
/// Bad input to every endpoint, enumerated from the endpoint data source (via the tenancy matrix, which must cover
/// every endpoint): malformed, wrong-typed, unknown-field, oversized and randomly mutated JSON bodies, and bad route
/// and query values. The answer is a 4xx problem body naming the field — never a 500, never a hang. Requests are sent
/// by the endpoint's rightful caller so they get past authentication to the parsing.
/// </summary>
public abstract class BadInputFuzzTests(HostFixture fixture)
{
    private const int MutationsPerEndpoint = 25;
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(30);
    private ControlHost Host => fixture.Host;

    [Fact]
    public async Task EveryBodyEndpoint_BadBodies_Are4xxNamingTheField_Never500()
    {
        using var w = await TenancyWorld.CreateAsync(Host);
        var failures = new List<string>();
        var fuzzed = 0;
        foreach (var (key, entry) in TenancyMatrix.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var method = MethodOf(key);
            if (method == HttpMethod.Get || method == HttpMethod.Delete)
            {
                continue;
            }

            var (path, valid) = entry.Build(w);
            var client = CrossTenantMatrixTests.Rightful(w, entry.Access);
            if (!path.StartsWith("/api/", StringComparison.Ordinal))
            {
                // Browser forms (login, device approval): garbage must not break them either.
                foreach (var raw in Garbage())
                {
                    await ExpectAsync(failures, key, client, method, path, raw, "application/json", s => (int)s < 500, field: null, problem: false);
                    await ExpectAsync(failures, key, client, method, path, raw, "application/x-www-form-urlencoded", s => (int)s < 500, field: null, problem: false);
                }

                continue;
            }

            if (valid is null)
            {
                continue;
            }

            fuzzed++;
            var validJson = JsonSerializer.SerializeToNode(valid, ControlClient.Json)!.AsObject();
            foreach (var raw in Garbage())
            {
                await ExpectAsync(failures, key, client, method, path, raw, "application/json", Is400, field: null);
            }

            var unknown = Clone(validJson);
            unknown["zzUnknownField"] = 1;
            await ExpectAsync(failures, key, client, method, path, unknown.ToJsonString(), "application/json", Is400, field: "zzUnknownField");

            foreach (var (name, value) in validJson)
            {
                var wrong = Clone(validJson);
                wrong[name] = WrongType(value);
                await ExpectAsync(failures, key, client, method, path, wrong.ToJsonString(), "application/json", Is400, field: name);
                if (value?.GetValueKind() == JsonValueKind.String)
                {
                    var huge = Clone(validJson);
                    huge[name] = new string('x', 100_000);
                    await ExpectAsync(failures, key, client, method, path, huge.ToJsonString(), "application/json", Is400, field: name);
                }
            }

            var oversized = Clone(validJson);
            oversized["zzPadding"] = new string('x', 1_100_000);
            await ExpectAsync(failures, key, client, method, path, oversized.ToJsonString(), "application/json", s => s == HttpStatusCode.RequestEntityTooLarge, field: null);
            await ExpectAsync(failures, key, client, method, path, validJson.ToJsonString(), "text/plain", s => s == HttpStatusCode.UnsupportedMediaType, field: null);

            var random = new Random(StableSeed(key));
            var bytes = Encoding.UTF8.GetBytes(validJson.ToJsonString());
            for (var i = 0; i < MutationsPerEndpoint; i++)
            {
                // A mutation may still be valid input (then 2xx is right); it must never be a 500 or a hang.
                await ExpectAsync(failures, key, client, method, path, Mutate(bytes, random), "application/json", s => (int)s < 500, field: null, problem: false);
            }
        }

        Assert.True(fuzzed >= 15, $"only {fuzzed} endpoints with a JSON body were found; the enumeration is broken");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task EveryRouteAndQueryParameter_BadValues_Are400NamingTheParameter()
    {
        using var w = await TenancyWorld.CreateAsync(Host);
        var failures = new List<string>();
        var routeParams = 0;
        var queryParams = 0;
        foreach (var endpoint in Host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var raw = endpoint.RoutePattern.RawText ?? "";
            if (!raw.StartsWith("/api/", StringComparison.Ordinal) || raw.Contains("**", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var key in CrossTenantMatrixTests.EndpointKeys(endpoint))
            {
                var entry = TenancyMatrix.Entries[key];
                var method = MethodOf(key);
                var (validPath, body) = entry.Build(w);
                var client = CrossTenantMatrixTests.Rightful(w, entry.Access);
                var bodyText = body is null ? null : JsonSerializer.Serialize(body, ControlClient.Json);
                var (pathOnly, query) = validPath.Split('?') is var parts && parts.Length == 2 ? (parts[0], parts[1]) : (validPath, "");
                // A method the path does not serve: 405 naming the methods it does.
                using (var wrongMethod = new HttpRequestMessage(new HttpMethod("PROPFIND"), validPath))
                {
                    using var res = await client.Http.SendAsync(wrongMethod);
                    if (res.StatusCode != HttpStatusCode.MethodNotAllowed || !res.Content.Headers.Allow.Contains(method.Method))
                    {
                        failures.Add($"{key} PROPFIND {validPath}: got {(int)res.StatusCode} Allow: {string.Join(",", res.Content.Headers.Allow)} {Short(await res.Content.ReadAsStringAsync())}");
                    }
                }

                var segments = pathOnly.Split('/');
                var patternSegments = raw.TrimEnd('/').Split('/');
                for (var i = 0; i < patternSegments.Length; i++)
                {
                    if (!patternSegments[i].StartsWith('{'))
                    {
                        continue;
                    }

                    var name = patternSegments[i].Trim('{', '}').Split(':')[0];
                    routeParams++;
                    foreach (var bad in new[] { "not-a-guid", "1%20OR%201=1", "99999999999999999999", "..%2F..", "%F0%9F%92%A9", "0x10" })
                    {
                        var badSegments = (string[])segments.Clone();
                        badSegments[i] = bad;
                        var path = string.Join('/', badSegments) + (query.Length > 0 ? "?" + query : "");
                        await ExpectAsync(failures, key, client, method, path, bodyText, "application/json", Is400, field: name);
                    }
                }

                foreach (var name in QueryParameters(endpoint))
                {
                    queryParams++;
                    var others = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith(name + "=", StringComparison.OrdinalIgnoreCase));
                    foreach (var bad in new[] { "abc", "99999999999999999999999", "1.5", "%F0%9F%92%A9", "-" })
                    {
                        var path = pathOnly + "?" + string.Join('&', others.Append(name + "=" + bad));
                        await ExpectAsync(failures, key, client, method, path, bodyText, "application/json", Is400, field: name);
                    }
                }
            }
        }

        Assert.True(routeParams >= 25, $"only {routeParams} route parameters found; the enumeration is broken");
        Assert.True(queryParams >= 6, $"only {queryParams} query parameters found; the enumeration is broken");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static bool Is400(HttpStatusCode s) => s == HttpStatusCode.BadRequest;

    /// <summary>Query parameters of a minimal API handler: simple-typed parameters that are not route values.</summary>
    private static IEnumerable<string> QueryParameters(RouteEndpoint endpoint)
    {
        var method = endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault();
        if (method is null)
        {
            return [];
        }

        var simple = new[] { typeof(Guid), typeof(int), typeof(long), typeof(bool) };
        return method.GetParameters()
            .Where(p => simple.Contains(Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType))
            .Where(p => endpoint.RoutePattern.GetParameter(p.Name!) is null)
            .Select(p => p.Name!);
    }

    private static async Task ExpectAsync(
        List<string> failures, string key, ControlClient client, HttpMethod method, string path, object? body, string contentType,
        Func<HttpStatusCode, bool> expected, string? field, bool problem = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            // Bytes as they are: mutations may be invalid UTF-8 on purpose.
            request.Content = new ByteArrayContent(body as byte[] ?? Encoding.UTF8.GetBytes((string)body));
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

            // Over the limit, Kestrel answers 413 and closes without reading the rest; 100-continue lets the client hear
            // the 413 before sending the body (as a well-behaved client would) instead of failing on a broken pipe.
            request.Headers.ExpectContinue = request.Content.Headers.ContentLength > 1_000_000;
        }

        var text0 = body as string ?? (body is byte[] raw ? Encoding.UTF8.GetString(raw) : "");
        var shown = text0.Length > 120 ? text0[..120] + "…" : text0;
        using var cts = new CancellationTokenSource(NoHang);
        HttpResponseMessage response;
        try
        {
            response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        }
        catch (OperationCanceledException)
        {
            failures.Add($"{key} {path} [{shown}]: no answer within {NoHang.TotalSeconds} s");
            return;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cts.Token);
            var status = response.StatusCode;
            var where = $"{key} {method} {path} [{contentType}: {shown}]";
            if ((int)status >= 500 || !expected(status))
            {
                failures.Add($"{where}: got {(int)status} {Short(text)}");
                return;
            }

            if (!problem || (int)status < 400)
            {
                return;
            }

            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{where}: {(int)status} is not a problem body ({response.Content.Headers.ContentType}) {Short(text)}");
                return;
            }

            if (field is not null)
            {
                using var doc = JsonDocument.Parse(text);
                var named = doc.RootElement.TryGetProperty("errors", out var errors)
                    && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase) || e.Name.StartsWith(field + ".", StringComparison.OrdinalIgnoreCase) || e.Name.StartsWith(field + "[", StringComparison.OrdinalIgnoreCase));
                if (!named)
                {
                    failures.Add($"{where}: {(int)status} does not name '{field}': {Short(text)}");
                }
            }
        }
    }

    private static IEnumerable<string> Garbage() =>
    [
        "", "{", "{\"a\":", "[]", "42", "\"text\"", "true", "null", "{}x", "{\"a\":1,,}", "\u0000", "\uFEFF{}{}",
        new string('[', 500) + new string(']', 500), string.Concat(Enumerable.Repeat("{\"x\":", 100)) + "1" + new string('}', 100),
    ];

    private static JsonNode WrongType(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.String => JsonValue.Create(12345),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => JsonValue.Create("not-the-right-type"),
        JsonValueKind.Array => new JsonObject { ["a"] = 1 },
        _ => JsonValue.Create(12345),
    };

    private static JsonObject Clone(JsonObject o) => (JsonObject)o.DeepClone();

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var b = new List<byte>(valid);
        var steps = random.Next(1, 5);
        for (var s = 0; s < steps && b.Count > 0; s++)
        {
            var at = random.Next(b.Count);
            switch (random.Next(5))
            {
                case 0:
                    b[at] = (byte)random.Next(256);
                    break;
                case 1:
                    b.RemoveRange(at, Math.Min(random.Next(1, 8), b.Count - at));
                    break;
                case 2:
                    b.Insert(at, "{}[]\",:\\0-e"u8[random.Next(11)]);
                    break;
                case 3:
                    b.InsertRange(at, b.GetRange(at, Math.Min(random.Next(1, 16), b.Count - at)));
                    break;
                default:
                    b.InsertRange(at, "1e99999"u8.ToArray());
                    break;
            }
        }

        return [.. b];
    }

    private static int StableSeed(string key)
    {
        var h = 17;
        foreach (var c in key)
        {
            h = unchecked((h * 31) + c);
        }

        return h;
    }

    private static HttpMethod MethodOf(string key) => key[..key.IndexOf(' ', StringComparison.Ordinal)] is var m && m != "*" ? new HttpMethod(m) : HttpMethod.Get;

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text;
}

public sealed class BadInputFuzzTestsSqlite(SqliteHostFixture f) : BadInputFuzzTests(f), IClassFixture<SqliteHostFixture>;

public sealed class BadInputFuzzTestsPostgres(PostgresHostFixture f) : BadInputFuzzTests(f), IClassFixture<PostgresHostFixture>;
