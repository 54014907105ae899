using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

/// <summary>Relay regions: global ones (server admins) and org-operated ones (that organization's admins).</summary>
internal static class RelaysApi
{
    public sealed record RelayRegionRequest(int? Id, Guid? OrganizationId, string? Code, string? Name);

    public sealed record RelayNodeRequest(
        string? Name, string? HostName, string? Ipv4, string? Ipv6, int? RelayPort, int? StunPort, string? PublicKey, string? CertificateSha256);

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

            if (req.OrganizationId is { } owner && !await db.Organizations.AnyAsync(o => o.Id == owner, ct))
            {
                // Another organization does not exist for this caller.
                return ApiResults.NotFound("organization");
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

            var node = new RelayNode { Id = Guid.NewGuid(), RegionId = id, Name = "", HostName = "" };
            if (Apply(node, req) is { } invalid)
            {
                return invalid;
            }

            db.RelayNodes.Add(node);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, ChangeSignal.Everything, ct);
            return Results.Created($"/api/relay-regions/{id}/nodes/{node.Id}", node);
        }).Accepts<RelayNodeRequest>("application/json").Produces<RelayNode>(201);

        // Replaces a node's record, e.g. to rotate the relay's key or certificate pin; every device sees a relay-map delta.
        g.MapPut("/{id:int}/nodes/{nodeId:guid}", async (int id, Guid nodeId, HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, CancellationToken ct) =>
        {
            var (region, node) = await FindNodeAsync(db, id, nodeId, ct);
            if (region is null || node is null)
            {
                return ApiResults.NotFound(region is null ? "relay region" : "relay node");
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

            if (Apply(node, req) is { } invalid)
            {
                return invalid;
            }

            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, ChangeSignal.Everything, ct);
            return Results.Ok(node);
        }).Accepts<RelayNodeRequest>("application/json").Produces<RelayNode>();

        g.MapDelete("/{id:int}/nodes/{nodeId:guid}", async (int id, Guid nodeId, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, CancellationToken ct) =>
        {
            var (region, node) = await FindNodeAsync(db, id, nodeId, ct);
            if (region is null || node is null)
            {
                return ApiResults.NotFound(region is null ? "relay region" : "relay node");
            }

            if (!CanManage(who, region))
            {
                return ApiResults.Forbidden("not allowed to manage this relay region");
            }

            db.RelayNodes.Remove(node);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, ChangeSignal.Everything, ct);
            return Results.NoContent();
        });
    }

    /// <summary>
    /// Validates a node request and copies it onto <paramref name="node"/>; the 400 naming every bad field otherwise.
    /// The public key is required: a relay map entry without one would let any server holding a trusted certificate
    /// pose as the relay.
    /// </summary>
    private static IResult? Apply(RelayNode node, RelayNodeRequest req)
    {
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

        if (req.StunPort is < 0 or > 65535)
        {
            v.Add("stunPort", "must be 0-65535 (0 = no STUN)");
        }

        if (req.PublicKey is null)
        {
            v.Add("publicKey", "is required: the relay's Curve25519 public key, 44 characters of base64 (nexodus-relay prints it at start)");
        }
        else if (!Core.Keys.PublicKey.TryParse(req.PublicKey, out _))
        {
            v.Add("publicKey", "must be a Curve25519 public key: 44 characters of base64");
        }

        string? pin = null;
        if (req.CertificateSha256 is not null && !TryNormalizePin(req.CertificateSha256, out pin))
        {
            v.Add("certificateSha256", "must be the SHA-256 of the relay's certificate: 64 hex digits (colons allowed), or null to use the system CA store");
        }

        if (v.Any)
        {
            return v.ToResult();
        }

        node.Name = req.Name!;
        node.HostName = req.HostName!;
        node.Ipv4 = req.Ipv4;
        node.Ipv6 = req.Ipv6;
        node.RelayPort = req.RelayPort ?? 443;
        node.StunPort = req.StunPort ?? 3478;
        node.PublicKey = Core.Keys.PublicKey.Parse(req.PublicKey!).ToString();
        node.CertificateSha256 = pin;
        return null;
    }

    /// <summary>Accepts "AB12…" or "ab:12:…" (as openssl prints it) and stores the uppercase hex form relays log.</summary>
    public static bool TryNormalizePin(string text, out string? pin)
    {
        var hex = text.Replace(":", "", StringComparison.Ordinal);
        pin = null;
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        pin = hex.ToUpperInvariant();
        return true;
    }

    private static async Task<(RelayRegion? Region, RelayNode? Node)> FindNodeAsync(ControlDbContext db, int id, Guid nodeId, CancellationToken ct)
    {
        // Nodes have no filter of their own: visibility follows the region's tenancy filter.
        var region = await db.RelayRegions.Include(r => r.Nodes).FirstOrDefaultAsync(r => r.Id == id, ct);
        return (region, region?.Nodes.FirstOrDefault(n => n.Id == nodeId));
    }

    private static bool CanManage(CurrentPrincipal who, RelayRegion r) =>
        r.OrganizationId is { } org ? who.HasRole(org, Role.Admin) : who.IsServerAdmin;
}
