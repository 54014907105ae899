using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class DevicesApi
{
    public const int MaxMetadataEntries = 64;

    public sealed record DeviceView(
        Guid Id, Guid OrganizationId, Guid VpcId, Guid? OwnerUserId, Guid? SecurityGroupId, string NodeKey, string DiscoKey, string Hostname,
        string Os, string Ipv4, string Ipv6, IReadOnlyList<string> Endpoints, int? HomeRelay, string NatMapping, string NatFiltering,
        bool Online, DateTimeOffset? LastSeen, DateTimeOffset CreatedAt);

    public sealed record UpdateDeviceRequest(string? Hostname, Guid? SecurityGroupId);

    public static void MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/devices").RequireUser().WithTags("Devices");

        g.MapGet("/", async (Guid? vpcId, ControlDbContext db, CancellationToken ct) =>
            (await db.Devices.AsNoTracking().Where(d => vpcId == null || d.VpcId == vpcId).OrderBy(d => d.Hostname).ToListAsync(ct)).Select(View).ToList())
            .Produces<List<DeviceView>>();

        g.MapGet("/{id:guid}", async (Guid id, ControlDbContext db, CancellationToken ct) =>
            await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } d ? Results.Ok(View(d)) : ApiResults.NotFound("device"))
            .Produces<DeviceView>();

        g.MapPatch("/{id:guid}", async (Guid id, HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var d = await db.Devices.FirstOrDefaultAsync(x => x.Id == id, ct);
            if (d is null)
            {
                return ApiResults.NotFound("device");
            }

            var (req, error) = await JsonBody.ReadAsync<UpdateDeviceRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var isAdmin = who.HasRole(d.OrganizationId, Role.Admin);
            if (!isAdmin && d.OwnerUserId != who.UserId)
            {
                return ApiResults.Forbidden("only the device owner or an admin can change a device");
            }

            if (req.SecurityGroupId is not null && !isAdmin)
            {
                return ApiResults.Forbidden("assigning a security group needs the admin or owner role");
            }

            var v = new ValidationErrors();
            if (req.Hostname is not null)
            {
                v.Hostname("hostname", req.Hostname);
            }

            if (req.SecurityGroupId is { } sgId && !await db.SecurityGroups.AnyAsync(s => s.Id == sgId && s.VpcId == d.VpcId, ct))
            {
                v.Add("securityGroupId", "is not a security group of the device's VPC");
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            var hostname = req.Hostname?.ToLowerInvariant();
            if (hostname is not null && await db.Devices.AnyAsync(x => x.VpcId == d.VpcId && x.Hostname == hostname && x.Id != d.Id, ct))
            {
                return ApiResults.Conflict($"hostname '{req.Hostname}' is taken in this VPC");
            }

            d.Hostname = req.Hostname?.ToLowerInvariant() ?? d.Hostname;
            d.SecurityGroupId = req.SecurityGroupId ?? d.SecurityGroupId;
            Audit.Record(db, who, time, d.OrganizationId, "device.update", $"device/{d.Id}");
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                return ApiResults.Conflict($"hostname '{req.Hostname}' is taken in this VPC");
            }

            await bus.PublishDeviceAsync(db, d.VpcId, d.Id, ct);
            return Results.Ok(View(d));
        }).Accepts<UpdateDeviceRequest>("application/json").Produces<DeviceView>();

        g.MapDelete("/{id:guid}", async (Guid id, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var d = await db.Devices.FirstOrDefaultAsync(x => x.Id == id, ct);
            if (d is null)
            {
                return ApiResults.NotFound("device");
            }

            if (!who.HasRole(d.OrganizationId, Role.Admin) && d.OwnerUserId != who.UserId)
            {
                return ApiResults.Forbidden("only the device owner or an admin can delete a device");
            }

            db.Devices.Remove(d);
            Audit.Record(db, who, time, d.OrganizationId, "device.delete", $"device/{d.Id}", d.Hostname);
            await db.SaveChangesAsync(ct);
            await bus.PublishDeviceAsync(db, d.VpcId, d.Id, ct);
            return Results.NoContent();
        });

        g.MapGet("/{id:guid}/metadata", async (Guid id, ControlDbContext db, CancellationToken ct) =>
            await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } d ? Results.Ok(d.Metadata) : ApiResults.NotFound("device"))
            .Produces<Dictionary<string, string>>();

        g.MapPut("/{id:guid}/metadata", async (Guid id, HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var d = await db.Devices.FirstOrDefaultAsync(x => x.Id == id, ct);
            if (d is null)
            {
                return ApiResults.NotFound("device");
            }

            if (!who.HasRole(d.OrganizationId, Role.Admin) && d.OwnerUserId != who.UserId)
            {
                return ApiResults.Forbidden("only the device owner or an admin can change metadata");
            }

            var (req, error) = await JsonBody.ReadAsync<Dictionary<string, string>>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            if (req.Count > MaxMetadataEntries)
            {
                v.Add("body", $"at most {MaxMetadataEntries} entries");
            }

            foreach (var (k, val) in req)
            {
                if (k.Length is 0 or > 100 || val is null || val.Length > 1000)
                {
                    v.Add(k.Length > 100 ? k[..100] : k, "keys must be 1-100 characters and values strings of at most 1000");
                }
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            d.Metadata = req;
            Audit.Record(db, who, time, d.OrganizationId, "device.metadata", $"device/{d.Id}");
            await db.SaveChangesAsync(ct);
            return Results.Ok(d.Metadata);
        }).Accepts<Dictionary<string, string>>("application/json").Produces<Dictionary<string, string>>();
    }

    public static DeviceView View(Device d) => new(
        d.Id, d.OrganizationId, d.VpcId, d.OwnerUserId, d.SecurityGroupId, d.NodeKey, d.DiscoKey, d.Hostname, d.Os, d.Ipv4, d.Ipv6,
        d.Endpoints, d.HomeRelay, d.NatMapping, d.NatFiltering, d.Online, d.LastSeen, d.CreatedAt);
}
