using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Policy;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class SecurityGroupsApi
{
    public const string DefaultName = "default";

    public sealed record SecurityGroupView(Guid Id, Guid OrganizationId, Guid VpcId, string Name, string Description, List<SecurityRule> InboundRules, List<SecurityRule> OutboundRules);

    public sealed record SecurityGroupRequest(Guid? VpcId, string? Name, string? Description, List<SecurityRule>? InboundRules, List<SecurityRule>? OutboundRules);

    public static void MapSecurityGroupsApi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/security-groups").RequireUser().WithTags("Security groups");

        g.MapGet("/", async (Guid? vpcId, ControlDbContext db, CancellationToken ct) =>
            (await db.SecurityGroups.AsNoTracking().Where(s => vpcId == null || s.VpcId == vpcId).OrderBy(s => s.Name).ToListAsync(ct)).Select(View).ToList())
            .Produces<List<SecurityGroupView>>();

        g.MapGet("/{id:guid}", async (Guid id, ControlDbContext db, CancellationToken ct) =>
            await db.SecurityGroups.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) is { } sg ? Results.Ok(View(sg)) : ApiResults.NotFound("security group"))
            .Produces<SecurityGroupView>();

        g.MapPost("/", async (HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var (req, error) = await JsonBody.ReadAsync<SecurityGroupRequest>(http);
            if (req is null)
            {
                return error!;
            }

            if (req.VpcId is null)
            {
                return ValidationErrors.Single("vpcId", "is required");
            }

            var vpc = await db.Vpcs.AsNoTracking().FirstOrDefaultAsync(v => v.Id == req.VpcId, ct);
            if (vpc is null)
            {
                return ApiResults.NotFound("vpc");
            }

            if (!who.HasRole(vpc.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("managing security groups needs the admin or owner role");
            }

            var sg = new SecurityGroup { Id = Guid.NewGuid(), OrganizationId = vpc.OrganizationId, VpcId = vpc.Id, Name = "", CreatedAt = time.GetUtcNow() };
            var invalid = await ApplyAsync(sg, req, db, creating: true, ct);
            if (invalid is not null)
            {
                return invalid;
            }

            if (await db.SecurityGroups.AnyAsync(s => s.VpcId == vpc.Id && s.Name == sg.Name, ct))
            {
                return ApiResults.Conflict($"a security group named '{sg.Name}' exists in this VPC");
            }

            db.SecurityGroups.Add(sg);
            Audit.Record(db, who, time, vpc.OrganizationId, "security-group.create", $"security-group/{sg.Id}", sg.Name);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, vpc.Id, ct);
            return Results.Created($"/api/security-groups/{sg.Id}", View(sg));
        }).Accepts<SecurityGroupRequest>("application/json").Produces<SecurityGroupView>(201);

        g.MapPut("/{id:guid}", async (Guid id, HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var sg = await db.SecurityGroups.FirstOrDefaultAsync(s => s.Id == id, ct);
            if (sg is null)
            {
                return ApiResults.NotFound("security group");
            }

            if (!who.HasRole(sg.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("managing security groups needs the admin or owner role");
            }

            var (req, error) = await JsonBody.ReadAsync<SecurityGroupRequest>(http);
            if (req is null)
            {
                return error!;
            }

            if (req.VpcId is not null && req.VpcId != sg.VpcId)
            {
                return ValidationErrors.Single("vpcId", "cannot be changed");
            }

            var invalid = await ApplyAsync(sg, req, db, creating: false, ct);
            if (invalid is not null)
            {
                return invalid;
            }

            Audit.Record(db, who, time, sg.OrganizationId, "security-group.update", $"security-group/{sg.Id}", sg.Name);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                return ApiResults.Conflict($"a security group named '{sg.Name}' exists in this VPC");
            }

            await bus.PublishAsync(db, sg.VpcId, ct);
            return Results.Ok(View(sg));
        }).Accepts<SecurityGroupRequest>("application/json").Produces<SecurityGroupView>();

        g.MapDelete("/{id:guid}", async (Guid id, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var sg = await db.SecurityGroups.FirstOrDefaultAsync(s => s.Id == id, ct);
            if (sg is null)
            {
                return ApiResults.NotFound("security group");
            }

            if (!who.HasRole(sg.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("managing security groups needs the admin or owner role");
            }

            if (sg.Name == DefaultName)
            {
                return ApiResults.Conflict("the default security group cannot be deleted");
            }

            db.SecurityGroups.Remove(sg);
            Audit.Record(db, who, time, sg.OrganizationId, "security-group.delete", $"security-group/{sg.Id}", sg.Name);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, sg.VpcId, ct);
            return Results.NoContent();
        });
    }

    private static async Task<IResult?> ApplyAsync(SecurityGroup sg, SecurityGroupRequest req, ControlDbContext db, bool creating, CancellationToken ct)
    {
        var v = new ValidationErrors();
        v.Name("name", req.Name, 100, required: creating);
        v.Text("description", req.Description, 1000);
        var groups = (await db.SecurityGroups.Where(s => s.VpcId == sg.VpcId).Select(s => s.Id).ToListAsync(ct)).ToHashSet();
        groups.Add(sg.Id);
        RuleValidator.Validate(v, "inboundRules", req.InboundRules, groups);
        RuleValidator.Validate(v, "outboundRules", req.OutboundRules, groups);
        if (v.Any)
        {
            return v.ToResult();
        }

        sg.Name = req.Name ?? sg.Name;
        sg.Description = req.Description ?? sg.Description;
        if (req.InboundRules is not null || creating)
        {
            sg.InboundRules = RuleValidator.Normalize(req.InboundRules);
        }

        if (req.OutboundRules is not null || creating)
        {
            sg.OutboundRules = RuleValidator.Normalize(req.OutboundRules);
        }

        return null;
    }

    private static SecurityGroupView View(SecurityGroup s) => new(s.Id, s.OrganizationId, s.VpcId, s.Name, s.Description, s.InboundRules, s.OutboundRules);
}
