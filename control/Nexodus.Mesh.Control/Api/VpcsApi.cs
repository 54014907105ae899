using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Ipam;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Policy;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class VpcsApi
{
    public const string DefaultIpv4Cidr = "100.64.0.0/10";

    public sealed record VpcView(Guid Id, Guid OrganizationId, string Name, string Description, string Ipv4Cidr, string Ipv6Cidr, string DnsDomain, DateTimeOffset CreatedAt);

    public sealed record CreateVpcRequest(Guid? OrganizationId, string? Name, string? Description, string? Ipv4Cidr, string? DnsDomain);

    public sealed record UpdateVpcRequest(string? Name, string? Description, string? DnsDomain);

    public static void MapVpcsApi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/vpcs").RequireUser().WithTags("VPCs");

        g.MapGet("/", async (Guid? organizationId, ControlDbContext db, CancellationToken ct) =>
            (await db.Vpcs.AsNoTracking().Where(v => organizationId == null || v.OrganizationId == organizationId).OrderBy(v => v.Name).ToListAsync(ct))
                .Select(View).ToList()).Produces<List<VpcView>>();

        g.MapPost("/", async (HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var (req, error) = await JsonBody.ReadAsync<CreateVpcRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            if (req.OrganizationId is null)
            {
                v.Add("organizationId", "is required");
            }

            v.Name("name", req.Name, 100);
            v.Text("description", req.Description, 1000);
            if (req.Ipv4Cidr is not null)
            {
                v.Cidr("ipv4Cidr", req.Ipv4Cidr, AddressFamily.InterNetwork);
                if (ValidationErrors.TryParseCidr(req.Ipv4Cidr, out var n, out _) && n.PrefixLength > 30)
                {
                    v.Add("ipv4Cidr", "must be /30 or larger so it holds devices");
                }
            }

            if (req.DnsDomain is not null)
            {
                v.DnsName("dnsDomain", req.DnsDomain);
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            if (!await db.Organizations.AnyAsync(o => o.Id == req.OrganizationId, ct))
            {
                return ApiResults.NotFound("organization");
            }

            if (!who.HasRole(req.OrganizationId!.Value, Role.Admin))
            {
                return ApiResults.Forbidden("creating a VPC needs the admin or owner role");
            }

            if (await db.Vpcs.AnyAsync(x => x.OrganizationId == req.OrganizationId && x.Name == req.Name, ct))
            {
                return ApiResults.Conflict($"a VPC named '{req.Name}' exists in this organization");
            }

            var vpc = AddVpc(db, req.OrganizationId.Value, req.Name!, req.Description ?? "", req.Ipv4Cidr ?? DefaultIpv4Cidr, req.DnsDomain, time);
            Audit.Record(db, who, time, vpc.OrganizationId, "vpc.create", $"vpc/{vpc.Id}", vpc.Name);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/vpcs/{vpc.Id}", View(vpc));
        }).Accepts<CreateVpcRequest>("application/json").Produces<VpcView>(201);

        g.MapGet("/{id:guid}", async (Guid id, ControlDbContext db, CancellationToken ct) =>
            await db.Vpcs.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, ct) is { } vpc ? Results.Ok(View(vpc)) : ApiResults.NotFound("vpc"))
            .Produces<VpcView>();

        g.MapPatch("/{id:guid}", async (Guid id, HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var vpc = await db.Vpcs.FirstOrDefaultAsync(v => v.Id == id, ct);
            if (vpc is null)
            {
                return ApiResults.NotFound("vpc");
            }

            if (!who.HasRole(vpc.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("changing a VPC needs the admin or owner role");
            }

            var (req, error) = await JsonBody.ReadAsync<UpdateVpcRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            v.Name("name", req.Name, 100, required: false);
            v.Text("description", req.Description, 1000);
            if (req.DnsDomain is not null)
            {
                v.DnsName("dnsDomain", req.DnsDomain);
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            vpc.Name = req.Name ?? vpc.Name;
            vpc.Description = req.Description ?? vpc.Description;
            vpc.DnsDomain = req.DnsDomain ?? vpc.DnsDomain;
            Audit.Record(db, who, time, vpc.OrganizationId, "vpc.update", $"vpc/{vpc.Id}");
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, vpc.Id, ct);
            return Results.Ok(View(vpc));
        }).Accepts<UpdateVpcRequest>("application/json").Produces<VpcView>();

        g.MapDelete("/{id:guid}", async (Guid id, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var vpc = await db.Vpcs.FirstOrDefaultAsync(v => v.Id == id, ct);
            if (vpc is null)
            {
                return ApiResults.NotFound("vpc");
            }

            if (!who.HasRole(vpc.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("deleting a VPC needs the admin or owner role");
            }

            // Devices, keys and security groups cascade; their streams are told "revoked" by the hub.
            db.Vpcs.Remove(vpc);
            Audit.Record(db, who, time, vpc.OrganizationId, "vpc.delete", $"vpc/{vpc.Id}", vpc.Name);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, vpc.Id, ct);
            return Results.NoContent();
        });
    }

    public static Vpc AddVpc(ControlDbContext db, Guid organizationId, string name, string description, string ipv4Cidr, string? dnsDomain, TimeProvider time)
    {
        var vpc = new Vpc
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            Name = name,
            Description = description,
            Ipv4Cidr = System.Net.IPNetwork.Parse(ipv4Cidr).ToString(),
            Ipv6Cidr = IpAllocator.RandomUla64(),
            DnsDomain = dnsDomain ?? (ValidationErrors.IsDnsLabel(name.ToLowerInvariant()) ? name.ToLowerInvariant() + ".nexodus.internal" : "nexodus.internal"),
            CreatedAt = time.GetUtcNow(),
        };
        db.Vpcs.Add(vpc);
        // Every VPC starts with an open "default" group, used by devices that name no group.
        db.SecurityGroups.Add(new SecurityGroup
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            VpcId = vpc.Id,
            Name = SecurityGroupsApi.DefaultName,
            Description = "allows all traffic inside the VPC",
            InboundRules = [new SecurityRule { Protocol = "any", Cidrs = [vpc.Ipv4Cidr, vpc.Ipv6Cidr] }],
            OutboundRules = [new SecurityRule { Protocol = "any", Cidrs = ["0.0.0.0/0", "::/0"] }],
            CreatedAt = time.GetUtcNow(),
        });
        return vpc;
    }

    private static VpcView View(Vpc v) => new(v.Id, v.OrganizationId, v.Name, v.Description, v.Ipv4Cidr, v.Ipv6Cidr, v.DnsDomain, v.CreatedAt);
}
