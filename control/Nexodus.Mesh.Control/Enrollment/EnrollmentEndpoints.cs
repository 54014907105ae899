using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Api;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Ipam;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Enrollment;

/// <summary>
/// POST /api/enroll: a node registers its node key with a user token or a registration key and receives its tunnel
/// addresses and a device credential sealed to that node key. Single-use keys are consumed by a conditional UPDATE in
/// the same transaction as the device insert, so concurrent attempts yield exactly one device.
/// </summary>
internal static class EnrollmentEndpoints
{
    private const int MaxAttempts = 8;

    public static void MapEnrollment(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/enroll", EnrollAsync).WithTags("Enrollment").Accepts<EnrollRequest>("application/json").Produces<EnrollResponse>(201);

    private static async Task<IResult> EnrollAsync(HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, AddressCursor addresses, TimeProvider time, CancellationToken ct)
    {
        var (req, error) = await JsonBody.ReadAsync<EnrollRequest>(http);
        if (req is null)
        {
            return error!;
        }

        var v = new ValidationErrors();
        if (!PublicKey.TryParse(req.NodeKey, out var nodeKey))
        {
            v.Add("nodeKey", "must be a Curve25519 public key: 44 characters of base64");
        }

        if (!string.IsNullOrEmpty(req.DiscoKey) && !PublicKey.TryParse(req.DiscoKey, out _))
        {
            v.Add("discoKey", "must be a Curve25519 public key: 44 characters of base64");
        }

        v.Hostname("hostname", req.Hostname);
        v.Text("os", req.Os, 100);
        IPAddress? requested = null;
        if (req.RequestedIpv4 is not null && (!IPAddress.TryParse(req.RequestedIpv4, out requested) || requested.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
        {
            v.Add("requestedIpv4", "must be an IPv4 address");
        }

        if (v.Any)
        {
            return v.ToResult();
        }

        RegistrationKey? regKey = null;
        Guid vpcId;
        if (req.RegistrationKey is not null)
        {
            if (!DeviceCredential.LooksValid(req.RegistrationKey, DeviceCredential.RegistrationKeyPrefix))
            {
                return KeyRefused("unknown", "registration key is unknown: check it was copied whole (it starts with 'nrk_')");
            }

            var hash = DeviceCredential.Hash(req.RegistrationKey);
            regKey = await db.RegistrationKeys.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(k => k.SecretHash == hash, ct);

            // Whoever holds the secret may learn why it stopped working (it names nothing else); the reason tells
            // the operator whether to ask for a new key or to look for who used it.
            if (regKey is null)
            {
                return KeyRefused("unknown", "registration key is unknown: check it was copied whole, or ask an admin for a new one");
            }

            if (regKey.Revoked)
            {
                return KeyRefused("revoked", "registration key was revoked: ask an admin of the organization for a new one");
            }

            if (regKey.ExpiresAt is { } expiresAt && expiresAt <= time.GetUtcNow())
            {
                return KeyRefused("expired", $"registration key expired at {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z: ask an admin of the organization for a new one");
            }

            if (regKey.SingleUse && regKey.UseCount > 0)
            {
                return KeyRefused("used", "registration key is single-use and was already used: ask an admin for a new one, or a multi-use key");
            }

            // The key speaks for its organization for the rest of this request.
            db.Scope.AddOrganization(regKey.OrganizationId);
            vpcId = regKey.VpcId;
        }
        else
        {
            if (who.IsDevice)
            {
                return ApiResults.Forbidden("a device credential cannot enroll another device; use a user token or a registration key");
            }

            if (!who.IsUser)
            {
                return ApiResults.Unauthorized();
            }

            if (req.VpcId is null)
            {
                return ValidationErrors.Single("vpcId", "is required when enrolling with a user token");
            }

            vpcId = req.VpcId.Value;
            if (who.BoundNodeKey is not null && who.BoundNodeKey != nodeKey.ToString())
            {
                return ApiResults.Forbidden("this token was approved for a different node key");
            }
        }

        var vpc = await db.Vpcs.AsNoTracking().FirstOrDefaultAsync(x => x.Id == vpcId, ct);
        if (vpc is null)
        {
            return ApiResults.NotFound("vpc");
        }

        var v4 = System.Net.IPNetwork.Parse(vpc.Ipv4Cidr);
        var v6 = System.Net.IPNetwork.Parse(vpc.Ipv6Cidr);
        if (requested is not null && !IpAllocator.IsUsableHost(v4, requested))
        {
            return ValidationErrors.Single("requestedIpv4", $"is not a usable address of the VPC range {vpc.Ipv4Cidr}");
        }

        var hostname = req.Hostname.ToLowerInvariant();
        var secret = DeviceCredential.NewSecret(DeviceCredential.DevicePrefix);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (regKey is not null)
            {
                var now = time.GetUtcNow();
                var consumed = await db.RegistrationKeys.IgnoreQueryFilters()
                    .Where(k => k.Id == regKey.Id && !k.Revoked && (k.ExpiresAt == null || k.ExpiresAt > now) && (!k.SingleUse || k.UseCount == 0))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.UseCount, k => k.UseCount + 1), ct);
                if (consumed == 0)
                {
                    // Lost a race: another enrollment used the single-use key, or it was revoked or expired meanwhile.
                    return KeyRefused("used", "registration key was used, revoked or expired while this enrollment ran: ask an admin for a new one");
                }
            }

            var nodeKeyText = nodeKey.ToString();
            if (await db.Devices.AnyAsync(d => d.VpcId == vpc.Id && d.NodeKey == nodeKeyText, ct))
            {
                return ApiResults.Conflict("this node key is already enrolled in the VPC; delete the old device or rotate the key");
            }

            if (await db.Devices.AnyAsync(d => d.VpcId == vpc.Id && d.Hostname == hostname, ct))
            {
                return ApiResults.Conflict($"hostname '{hostname}' is taken in this VPC; pick another with --hostname");
            }

            IPAddress? address;
            if (requested is not null)
            {
                var requestedText = requested.ToString();
                if (await db.Devices.AnyAsync(d => d.VpcId == vpc.Id && d.Ipv4 == requestedText, ct))
                {
                    return ApiResults.Conflict($"address {requested} is already assigned in this VPC");
                }

                address = requested;
            }
            else
            {
                // A conflict means the cursor's idea of the VPC is stale (another replica, a requested address):
                // after the second one, read the addresses in use again.
                address = await addresses.NextAsync(db, vpc.Id, v4, rescan: attempt >= 2, ct);
                if (address is null)
                {
                    return ApiResults.Conflict($"the VPC range {vpc.Ipv4Cidr} is full");
                }
            }

            var device = new Device
            {
                Id = Guid.NewGuid(),
                OrganizationId = vpc.OrganizationId,
                VpcId = vpc.Id,
                OwnerUserId = regKey is null ? who.UserId : null,
                RegistrationKeyId = regKey?.Id,
                SecurityGroupId = regKey?.SecurityGroupId,
                NodeKey = nodeKeyText,
                DiscoKey = req.DiscoKey,
                Hostname = hostname,
                Os = req.Os,
                Ipv4 = address.ToString(),
                Ipv6 = IpAllocator.Ipv6ForHost(v6, IpAllocator.HostNumber(v4, address)).ToString(),
                CredentialHash = DeviceCredential.Hash(secret),
                CreatedAt = time.GetUtcNow(),
            };
            db.Devices.Add(device);
            Audit.Record(db, who, time, vpc.OrganizationId, "device.enroll", $"device/{device.Id}",
                $"{hostname} {nodeKey.Fingerprint()} via {(regKey is null ? "user" : "registration key " + regKey.Id)}");
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            catch (DbUpdateException) when (attempt < MaxAttempts - 1)
            {
                // Lost a race on a unique index (address, hostname, node key): roll back (also the key use) and retry;
                // the checks above turn a real hostname/key duplicate into a 409 on the next round.
                await tx.RollbackAsync(ct);
                if (requested is not null)
                {
                    return ApiResults.Conflict($"address {requested} is already assigned in this VPC");
                }

                continue;
            }

            await bus.PublishDeviceAsync(db, vpc.Id, device.Id, ct);
            var sealedCredential = SealedBox.Seal(nodeKey, Encoding.UTF8.GetBytes(secret));
            return Results.Created($"/api/devices/{device.Id}", new EnrollResponse
            {
                DeviceId = device.Id,
                VpcId = vpc.Id,
                OrganizationId = vpc.OrganizationId,
                Ipv4 = device.Ipv4,
                Ipv6 = device.Ipv6,
                Hostname = hostname,
                SealedCredential = Convert.ToBase64String(sealedCredential),
            });
        }

        return ApiResults.Conflict("could not allocate an address; try again");
    }

    /// <summary>401 with a machine-readable <c>reason</c> (unknown, revoked, expired, used) and a title saying what to do.</summary>
    private static IResult KeyRefused(string reason, string title) =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: title, extensions: new Dictionary<string, object?> { ["reason"] = reason, ["field"] = "registrationKey" });
}
