using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Nexodus.Mesh.Control.Policy;

namespace Nexodus.Mesh.Control.Storage;

/// <summary>
/// The control database. Tenancy lives here: every tenant-owned set has a global query filter on the current
/// <see cref="TenantScope"/>, so a handler that forgets a check still cannot read another organization's rows.
/// Provider-specific subclasses exist only so each provider has its own migrations.
/// </summary>
internal abstract class ControlDbContext : DbContext
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TenantScope _scope;

    protected ControlDbContext(DbContextOptions options, TenantScope scope)
        : base(options)
    {
        _scope = scope;
    }

    public TenantScope Scope => _scope;

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<User> Users => Set<User>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<Invitation> Invitations => Set<Invitation>();

    public DbSet<Vpc> Vpcs => Set<Vpc>();

    public DbSet<Device> Devices => Set<Device>();

    public DbSet<RegistrationKey> RegistrationKeys => Set<RegistrationKey>();

    public DbSet<SecurityGroup> SecurityGroups => Set<SecurityGroup>();

    public DbSet<RelayRegion> RelayRegions => Set<RelayRegion>();

    public DbSet<RelayNode> RelayNodes => Set<RelayNode>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<RevisionCounter> Revisions => Set<RevisionCounter>();

    // Read by the query filters; EF evaluates these per query against the live scope object.
    private bool System => _scope.IsSystem;

    private List<Guid> Orgs => _scope.OrganizationIds;

    private bool VpcRestricted => _scope.RestrictToVpcs;

    private List<Guid> Vpcs_ => _scope.VpcIds;

    private Guid? ScopeUser => _scope.UserId;

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.UseOpenIddict();

        b.Entity<Organization>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Description).HasMaxLength(1000);
            e.HasQueryFilter(x => System || Orgs.Contains(x.Id));
        });

        b.Entity<User>(e =>
        {
            e.Property(x => x.Issuer).HasMaxLength(500);
            e.Property(x => x.Subject).HasMaxLength(255);
            e.Property(x => x.Email).HasMaxLength(320);
            e.Property(x => x.DisplayName).HasMaxLength(200);
            e.Property(x => x.UserName).HasMaxLength(100);
            e.HasIndex(x => new { x.Issuer, x.Subject }).IsUnique();
            e.HasIndex(x => x.UserName).IsUnique();
        });

        b.Entity<Membership>(e =>
        {
            e.HasKey(x => new { x.OrganizationId, x.UserId });
            e.Property(x => x.Role).HasConversion<string>().HasMaxLength(16);
            e.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            // Org-level rows (people, invitations, keys, audit) are for users: a device scope sees none of them.
            e.HasQueryFilter(x => System || (!VpcRestricted && Orgs.Contains(x.OrganizationId)) || x.UserId == ScopeUser);
        });

        b.Entity<Invitation>(e =>
        {
            e.Property(x => x.Role).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.InviteeEmail).HasMaxLength(320);
            e.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            // Invitees see invitations addressed to them by id; e-mail-addressed ones are matched in the handler.
            e.HasQueryFilter(x => System || (!VpcRestricted && Orgs.Contains(x.OrganizationId)) || (ScopeUser != null && x.InviteeUserId == ScopeUser));
        });

        b.Entity<Vpc>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Description).HasMaxLength(1000);
            e.Property(x => x.Ipv4Cidr).HasMaxLength(50);
            e.Property(x => x.Ipv6Cidr).HasMaxLength(50);
            e.Property(x => x.DnsDomain).HasMaxLength(253);
            e.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(x => System || (Orgs.Contains(x.OrganizationId) && (!VpcRestricted || Vpcs_.Contains(x.Id))));
        });

        b.Entity<Device>(e =>
        {
            e.Property(x => x.NodeKey).HasMaxLength(44);
            e.Property(x => x.DiscoKey).HasMaxLength(44);
            e.Property(x => x.Hostname).HasMaxLength(63);
            e.Property(x => x.Os).HasMaxLength(100);
            e.Property(x => x.Ipv4).HasMaxLength(45);
            e.Property(x => x.Ipv6).HasMaxLength(45);
            e.Property(x => x.NatMapping).HasMaxLength(32);
            e.Property(x => x.NatFiltering).HasMaxLength(32);
            e.Property(x => x.Endpoints).HasConversion(JsonConverter<List<string>>()).Metadata.SetValueComparer(JsonComparer<List<string>>());
            e.Property(x => x.Metadata).HasConversion(JsonConverter<Dictionary<string, string>>()).Metadata.SetValueComparer(JsonComparer<Dictionary<string, string>>());
            e.HasIndex(x => new { x.VpcId, x.NodeKey }).IsUnique();
            e.HasIndex(x => x.CredentialHash).IsUnique();
            e.HasIndex(x => new { x.VpcId, x.Hostname }).IsUnique();
            e.HasIndex(x => new { x.VpcId, x.Ipv4 }).IsUnique();
            e.HasIndex(x => new { x.VpcId, x.Ipv6 }).IsUnique();
            e.HasOne<Vpc>().WithMany().HasForeignKey(x => x.VpcId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<SecurityGroup>().WithMany().HasForeignKey(x => x.SecurityGroupId).OnDelete(DeleteBehavior.SetNull);
            e.HasQueryFilter(x => System || (Orgs.Contains(x.OrganizationId) && (!VpcRestricted || Vpcs_.Contains(x.VpcId))));
        });

        b.Entity<RegistrationKey>(e =>
        {
            e.Property(x => x.Description).HasMaxLength(1000);
            e.HasIndex(x => x.SecretHash).IsUnique();
            e.HasOne<Vpc>().WithMany().HasForeignKey(x => x.VpcId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<SecurityGroup>().WithMany().HasForeignKey(x => x.SecurityGroupId).OnDelete(DeleteBehavior.SetNull);
            e.HasQueryFilter(x => System || (!VpcRestricted && Orgs.Contains(x.OrganizationId)));
        });

        b.Entity<SecurityGroup>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Description).HasMaxLength(1000);
            e.Property(x => x.InboundRules).HasConversion(JsonConverter<List<SecurityRule>>()).Metadata.SetValueComparer(JsonComparer<List<SecurityRule>>());
            e.Property(x => x.OutboundRules).HasConversion(JsonConverter<List<SecurityRule>>()).Metadata.SetValueComparer(JsonComparer<List<SecurityRule>>());
            e.HasIndex(x => new { x.VpcId, x.Name }).IsUnique();
            e.HasOne<Vpc>().WithMany().HasForeignKey(x => x.VpcId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(x => System || (Orgs.Contains(x.OrganizationId) && (!VpcRestricted || Vpcs_.Contains(x.VpcId))));
        });

        b.Entity<RelayRegion>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Code).HasMaxLength(32);
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasMany(x => x.Nodes).WithOne().HasForeignKey(x => x.RegionId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(x => System || x.OrganizationId == null || Orgs.Contains(x.OrganizationId.Value));
        });

        b.Entity<RelayNode>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.HostName).HasMaxLength(253);
            e.Property(x => x.Ipv4).HasMaxLength(45);
            e.Property(x => x.Ipv6).HasMaxLength(45);
            e.Property(x => x.PublicKey).HasMaxLength(44);
            e.Property(x => x.CertificateSha256).HasMaxLength(64);
        });

        b.Entity<AuditEvent>(e =>
        {
            e.Property(x => x.Action).HasMaxLength(100);
            e.Property(x => x.Target).HasMaxLength(200);
            e.Property(x => x.Details).HasMaxLength(4000);
            e.HasIndex(x => new { x.OrganizationId, x.Id });
            e.HasQueryFilter(x => System || (!VpcRestricted && Orgs.Contains(x.OrganizationId)));
        });

        b.Entity<SigningKey>(e => e.Property(x => x.Id).HasMaxLength(64));

        b.Entity<RevisionCounter>(e =>
        {
            e.Property(x => x.Id).ValueGeneratedNever();
            e.HasData(new RevisionCounter { Id = 1, Value = 0 });
        });
    }

    private static ValueConverter<T, string> JsonConverter<T>()
        where T : new() =>
        new(v => JsonSerializer.Serialize(v, Json), s => JsonSerializer.Deserialize<T>(s, Json) ?? new T());

    private static ValueComparer<T> JsonComparer<T>()
        where T : new() =>
        new(
            (a, c) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(c, Json),
            v => JsonSerializer.Serialize(v, Json).GetHashCode(StringComparison.Ordinal),
            v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, Json), Json) ?? new T());
}
