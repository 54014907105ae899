using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Admission;

/// <summary>
/// Verifies control's admission tokens offline (the contract in RELAY-ADMISSION.md): ES256 with a key from the
/// JWKS, typ <c>nexodus-relay+jwt</c>, aud <c>nexodus-relay</c>, lifetime with 30 s skew, optional issuer,
/// <c>sub</c> equal to the node key the client proved it holds, and a non-empty <c>vpc</c> array of GUIDs.
/// </summary>
public sealed class AdmissionValidator
{
    public const string Audience = "nexodus-relay";
    public const string TokenType = "nexodus-relay+jwt";
    public const string VpcClaim = "vpc";
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly IJwksSource _keys;
    private readonly string? _issuer;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public AdmissionValidator(IJwksSource keys, string? expectedIssuer, TimeProvider time)
    {
        _keys = keys;
        _issuer = string.IsNullOrEmpty(expectedIssuer) ? null : expectedIssuer;
        _time = time;
    }

    /// <summary>Returns the admission, or throws <see cref="AdmissionException"/> with the reason.</summary>
    public async ValueTask<Admission> ValidateAsync(string token, PublicKey provenKey, CancellationToken cancellationToken)
    {
        var result = await _handler.ValidateTokenAsync(token, Parameters());
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && await _keys.RefreshForUnknownKeyAsync(cancellationToken))
        {
            result = await _handler.ValidateTokenAsync(token, Parameters());
        }

        if (!result.IsValid)
        {
            throw new AdmissionException($"admission token rejected: {Describe(result.Exception)}", result.Exception);
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var now = _time.GetUtcNow().UtcDateTime;
        if (!jwt.TryGetPayloadValue<long>("exp", out _))
        {
            throw new AdmissionException("admission token rejected: no exp");
        }

        if (jwt.ValidTo + ClockSkew < now)
        {
            throw new AdmissionException("admission token rejected: expired");
        }

        if (jwt.TryGetPayloadValue<long>("nbf", out _) && jwt.ValidFrom - ClockSkew > now)
        {
            throw new AdmissionException("admission token rejected: not yet valid");
        }

        if (!jwt.TryGetPayloadValue<string>("sub", out var sub) || sub != provenKey.ToString())
        {
            throw new AdmissionException("admission token rejected: its sub is not the node key this connection proved");
        }

        var vpcs = ReadVpcs(jwt);
        return new Admission(vpcs, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
    }

    private TokenValidationParameters Parameters() => new()
    {
        IssuerSigningKeys = _keys.Keys,
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        ValidTypes = [TokenType],
        ValidAudience = Audience,
        ValidateAudience = true,
        ValidateIssuer = _issuer is not null,
        ValidIssuer = _issuer,
        // Lifetime is checked below against the injected TimeProvider (testable, one clock for the whole relay).
        ValidateLifetime = false,
        TryAllIssuerSigningKeys = false,
    };

    private static Guid[] ReadVpcs(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<JsonElement>(VpcClaim, out var element) || element.ValueKind != JsonValueKind.Array)
        {
            // The library may surface arrays as a list rather than a JsonElement; accept that shape too.
            if (jwt.TryGetPayloadValue<List<string>>(VpcClaim, out var list) && list is not null)
            {
                return ParseVpcs(list);
            }

            throw new AdmissionException("admission token rejected: no vpc array");
        }

        var values = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new AdmissionException("admission token rejected: vpc entries must be strings");
            }

            values.Add(item.GetString()!);
        }

        return ParseVpcs(values);
    }

    private static Guid[] ParseVpcs(List<string> values)
    {
        if (values.Count == 0 || values.Count > Protocol.ProtocolConstants.MaxVpcsPerKey)
        {
            throw new AdmissionException($"admission token rejected: vpc must list 1..{Protocol.ProtocolConstants.MaxVpcsPerKey} ids");
        }

        var vpcs = new Guid[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            if (!Guid.TryParseExact(values[i], "D", out vpcs[i]))
            {
                throw new AdmissionException("admission token rejected: a vpc id is not a GUID");
            }
        }

        return vpcs;
    }

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenSignatureKeyNotFoundException => "signed with a key control has not published",
        SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidTypeException => "wrong typ",
        SecurityTokenInvalidAlgorithmException => "algorithm is not ES256",
        SecurityTokenNoExpirationException => "no exp",
        null => "invalid",
        _ => "malformed",
    };
}
