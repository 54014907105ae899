using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

/// <summary>Relay regions: global ones (server admins) and org-operated ones (that organization's admins).</summary>
internal static class RelaysApi
{
    public sealed record RelayRegionRequest(int? Id, Guid? OrganizationId, string? Code, string? Name);

    public sealed record RelayNodeRequest(string? Name, string? HostName, string? Ipv4, string? Ipv6, int? RelayPort, int? StunPort);

    public static void MapRelaysApi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/relay-regions").RequireUser().WithTags("Relays");
        g.MapGet("/", async (ControlDbContext db, CancellationToken ct) =>
            await db.RelayRegions.AsNoTracking().Include(r => r.Nodes).OrderBy(r => r.Id).ToListAsync(ct)).Produces<List<RelayRegion>>();

        g.MapPost("/", async (HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, CancellationToken ct) =>
        {
            var (req, error) = await JsonBody.ReadAsync<RelayRegionRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            if (req.Id is null or < 1 or > 65535)
            {
                v.Add("id", "is required, 1-65535");
            }

            v.Name("code", req.Code, 32);
            v.Name("name", req.Name, 100);
            if (v.Any)
            {
                return v.ToResult();
            }

            if (req.OrganizationId is { } org ? !who.HasRole(org, Role.Admin) : !who.IsServerAdmin)
            {
                return ApiResults.Forbidden(req.OrganizationId is null ? "global relay regions need a server admin" : "org-operated relays need the admin or owner role");
            }

            if (await db.RelayRegions.IgnoreQueryFilters().AnyAsync(r => r.Id == req.Id, ct))
            {
                return ApiResults.Conflict($"relay region {req.Id} exists");
            }

            var region = new RelayRegion { Id = req.Id!.Value, OrganizationId = req.OrganizationId, Code = req.Code!, Name = req.Name! };
            db.RelayRegions.Add(region);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, ChangeSignal.Everything, ct);
            return Results.Created($"/api/relay-regions/{region.Id}", region);
        }).Accepts<RelayRegionRequest>("application/json").Produces<RelayRegion>(201);

        g.MapDelete("/{id:int}", async (int id, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, CancellationToken ct) =>
        {
            var region = await db.RelayRegions.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (region is null)
            {
                return ApiResults.NotFound("relay region");
            }

            if (!CanManage(who, region))
            {
                return ApiResults.Forbidden("not allowed to manage this relay region");
            }

            db.RelayRegions.Remove(region);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, ChangeSignal.Everything, ct);
            return Results.NoContent();
        });

        g.MapPost("/{id:int}/nodes", async (int id, HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, CancellationToken ct) =>
        {
            var region = await db.RelayRegions.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (region is null)
            {
                return ApiResults.NotFound("relay region");
            }

            if (!CanManage(who, region))
            {
                return ApiResults.Forbidden("not allowed to manage this relay region");
            }

            var (req, error) = await JsonBody.ReadAsync<RelayNodeRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            v.Name("name", req.Name, 100);
            v.DnsName("hostName", req.HostName);
            if (req.Ipv4 is not null && (!ValidationErrors.TryParseAddress(req.Ipv4, out var a4) || a4.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
            {
                v.Add("ipv4", "must be an IPv4 address");
            }

            if (req.Ipv6 is not null && (!ValidationErrors.TryParseAddress(req.Ipv6, out var a6) || a6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6))
            {
                v.Add("ipv6", "must be an IPv6 address");
            }

            if (req.RelayPort is < 1 or > 65535)
            {
                v.Add("relayPort", "must be 1-65535");
            }

            if (req.StunPort is < 1 or > 65535)
            {
                v.Add("stunPort", "must be 1-65535");
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            var node = new RelayNode
            {
                Id = Guid.NewGuid(),
                RegionId = id,
                Name = req.Name!,
                HostName = req.HostName!,
                Ipv4 = req.Ipv4,
                Ipv6 = req.Ipv6,
                RelayPort = req.RelayPort ?? 443,
                StunPort = req.StunPort ?? 3478,
            };
            db.RelayNodes.Add(node);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, ChangeSignal.Everything, ct);
            return Results.Created($"/api/relay-regions/{id}/nodes/{node.Id}", node);
        }).Accepts<RelayNodeRequest>("application/json").Produces<RelayNode>(201);
    }

    private static bool CanManage(CurrentPrincipal who, RelayRegion r) =>
        r.OrganizationId is { } org ? who.HasRole(org, Role.Admin) : who.IsServerAdmin;
}
