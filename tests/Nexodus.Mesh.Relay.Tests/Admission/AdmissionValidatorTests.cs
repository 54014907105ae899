using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Admission;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Admission;

public sealed class AdmissionValidatorTests
{
    private readonly Guid _vpc = Guid.Parse("6f1c9d4e-2b7a-4c3e-9f10-0a1b2c3d4e5f");

    [Fact]
    public async Task ValidToken_YieldsVpcsAndExpiry()
    {
        using var issuer = new TestTokenIssuer();
        using var key = PrivateKey.Generate();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var validator = new AdmissionValidator(FileJwksSource.FromJson(issuer.JwksJson), issuer.Issuer, time);
        var admission = await validator.ValidateAsync(issuer.Issue(key.PublicKey, [_vpc], TimeSpan.FromMinutes(15), time.GetUtcNow()), key.PublicKey, default);
        Assert.Equal([_vpc], admission.Vpcs);
        Assert.InRange(admission.Expires - time.GetUtcNow(), TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));
    }

    [Fact]
    public async Task Lifetime_UsesTheInjectedClock_With30sSkew()
    {
        using var issuer = new TestTokenIssuer();
        using var key = PrivateKey.Generate();
        var start = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(start);
        var validator = new AdmissionValidator(FileJwksSource.FromJson(issuer.JwksJson), null, time);
        var token = issuer.Issue(key.PublicKey, [_vpc], TimeSpan.FromMinutes(15), start);

        time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(29));
        await validator.ValidateAsync(token, key.PublicKey, default);
        time.Advance(TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<AdmissionException>(() => validator.ValidateAsync(token, key.PublicKey, default).AsTask());
        Assert.Contains("expired", e.Message);

        var future = issuer.Issue(key.PublicKey, [_vpc], TimeSpan.FromMinutes(15), time.GetUtcNow().AddMinutes(5));
        e = await Assert.ThrowsAsync<AdmissionException>(() => validator.ValidateAsync(future, key.PublicKey, default).AsTask());
        Assert.Contains("not yet valid", e.Message);
    }

    [Fact]
    public async Task WrongIssuer_WhenIssuerIsConfigured_IsRefused()
    {
        using var issuer = new TestTokenIssuer("https://evil.example");
        using var key = PrivateKey.Generate();
        var validator = new AdmissionValidator(FileJwksSource.FromJson(issuer.JwksJson), "https://control.example", TimeProvider.System);
        var e = await Assert.ThrowsAsync<AdmissionException>(() => validator.ValidateAsync(issuer.Issue(key.PublicKey, [_vpc]), key.PublicKey, default).AsTask());
        Assert.Contains("issuer", e.Message);
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("")]
    public async Task BadVpcClaim_IsRefused(string vpc)
    {
        using var issuer = new TestTokenIssuer();
        using var key = PrivateKey.Generate();
        var validator = new AdmissionValidator(FileJwksSource.FromJson(issuer.JwksJson), null, TimeProvider.System);
        var token = vpc == "" ? issuer.Issue(key.PublicKey, []) : issuer.Issue(key.PublicKey, [], vpcOverride: [vpc]);
        var e = await Assert.ThrowsAsync<AdmissionException>(() => validator.ValidateAsync(token, key.PublicKey, default).AsTask());
        Assert.Contains("vpc", e.Message);
    }

    [Fact]
    public void Jwks_WithoutP256Key_IsAClearError()
    {
        var e = Assert.Throws<FormatException>(() => FileJwksSource.FromJson("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}"));
        Assert.Contains("P-256", e.Message);
        Assert.Throws<FormatException>(() => FileJwksSource.FromJson("not json"));
    }

    [Fact]
    public async Task HttpJwks_RefreshesOnUnknownKid_AtMostOncePer30s()
    {
        using var first = new TestTokenIssuer();
        using var rotated = new TestTokenIssuer();
        using var third = new TestTokenIssuer();
        var current = first.JwksJson;
        var fetches = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapGet("/api/relay/jwks", () =>
        {
            Interlocked.Increment(ref fetches);
            return Results.Text(Volatile.Read(ref current), "application/json");
        });
        await app.StartAsync();
        var url = new Uri(new Uri(app.Urls.First()), "/api/relay/jwks");

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var source = new HttpJwksSource(url, new HttpClient(), time, NullLogger.Instance);
        await source.StartAsync(default);
        Assert.Equal(1, fetches);
        var validator = new AdmissionValidator(source, null, TimeProvider.System);
        using var key = PrivateKey.Generate();
        await validator.ValidateAsync(first.Issue(key.PublicKey, [_vpc]), key.PublicKey, default);

        // Control rotates its key; the first token with the new kid triggers one refetch and is admitted.
        Volatile.Write(ref current, rotated.JwksJson);
        time.Advance(TimeSpan.FromSeconds(31));
        await validator.ValidateAsync(rotated.Issue(key.PublicKey, [_vpc]), key.PublicKey, default);
        Assert.Equal(2, fetches);

        // A stream of unknown kids within 30 s does not make the relay hammer control.
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<AdmissionException>(() => validator.ValidateAsync(third.Issue(key.PublicKey, [_vpc]), key.PublicKey, default).AsTask());
        }

        Assert.Equal(2, fetches);
    }
}
