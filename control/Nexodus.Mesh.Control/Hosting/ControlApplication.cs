using System.Diagnostics;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Admission;
using Nexodus.Mesh.Control.Api;
using Nexodus.Mesh.Control.Enrollment;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Storage;
using OpenTelemetry.Trace;
using Prometheus;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>Builds the control web application; used by Program and by tests (real Kestrel on 127.0.0.1:0).</summary>
internal static class ControlApplication
{
    public static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--data-dir"] = "Control:DataDir",
        ["--listen"] = "Control:Listen",
        ["--db"] = "Control:Db",
        ["--db-connection"] = "Control:DbConnection",
        ["--public-url"] = "Control:PublicUrl",
        ["--otlp-endpoint"] = "Control:OtlpEndpoint",
        ["--max-connections"] = "Control:MaxConnections",
        ["--log-format"] = LogFormat.Key,
    };

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var configFile = Environment.GetEnvironmentVariable("NEXODUS_CONTROL_CONFIG");
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(configFile, optional: false);
        }

        builder.Configuration.AddEnvironmentVariables("NEXODUS_");
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(ControlOptions.Section).Get<ControlOptions>() ?? new ControlOptions();
        var problems = options.Validate().ToList();
        if (LogFormat.Validate(builder.Configuration) is { } logProblem)
        {
            problems.Add(logProblem);
        }

        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ControlOptions.Section, typeof(ControlOptions), problems);
        }

        builder.Services.AddOptions<ControlOptions>().Bind(builder.Configuration.GetSection(ControlOptions.Section));
        builder.WebHost.UseUrls(options.Listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Explicit limits: small API bodies, bounded headers, and long-lived netmap streams allowed.
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.Limits.MaxConcurrentConnections = options.MaxConnections;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            k.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
            k.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(5));
            k.Limits.Http2.MaxStreamsPerConnection = 100;
            k.Limits.MaxResponseBufferSize = 16 * 1024;
        });

        LogFormat.Configure(builder.Logging, builder.Configuration);
        // Per-query and per-request logs drown the one-box console; configuration can turn them back on.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        AddServices(builder.Services, options);
        var app = builder.Build();
        Configure(app);
        return app;
    }

    private static void AddServices(IServiceCollection services, ControlOptions options)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<TenantScope>();
        services.AddScoped<CurrentPrincipal>();
        if (options.Db == "postgres")
        {
            services.AddDbContext<ControlDbContext, PostgresControlDbContext>(o => o.UseNpgsql(options.DbConnection));
        }
        else
        {
            var cs = options.DbConnection ?? $"Data Source={Path.Combine(Path.GetFullPath(options.DataDir), "control.db")};Default Timeout=60";
            services.AddDbContext<ControlDbContext, SqliteControlDbContext>(o => o.UseSqlite(cs));
        }

        // Cookies and antiforgery tokens survive restarts: keys next to the database (one box). Replicas without a
        // shared directory keep browser sessions per replica; API tokens are unaffected (keys in the database).
        services.AddDataProtection()
            .SetApplicationName("nexodus-control")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Path.GetFullPath(options.DataDir), "data-protection-keys")));
        services.AddControlIdentity(options);
        services.AddAuthorization();
        services.AddAntiforgery(a => a.Cookie.Name = "nexodus.af");
        services.AddProblemDetails();
        // Bad query/route values throw so ParameterBindingErrors can name the parameter (otherwise a bare 400).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ParameterBindingErrors>();
        services.ConfigureHttpJsonOptions(j => j.SerializerOptions.Converters.Add(
            new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)));
        services.AddOpenApi();
        services.AddSingleton<ChangeBus>();
        services.AddSingleton<Ipam.AddressCursor>();
        services.AddSingleton<RelayTokenIssuer>();
        services.AddSingleton<Presence>();
        services.AddSingleton<NetmapHub>();
        services.AddHostedService(sp => sp.GetRequiredService<NetmapHub>());
        services.AddHostedService<PostgresChangeListener>();
        services.AddHostedService<IdleMemoryTrim>();
        services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>, ArrayPoolMemoryPoolFactory>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        if (options.OtlpEndpoint is not null)
        {
            // Only with an exporter: without one every request (a netmap stream lives for days) would carry a recorded
            // activity nobody reads.
            services.AddOpenTelemetry().WithTracing(t => t
                .AddSource("Nexodus.Mesh.Control")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint)));
        }
    }

    private static void Configure(WebApplication app)
    {
        app.UseNetmapStreams();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Never leak internals: unexpected failures become a bare 500 ProblemDetails with a trace id.
            StatusCodeSelector = ex => ex is Microsoft.AspNetCore.Http.BadHttpRequestException b ? b.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseHttpMetrics();
        app.UseAuthentication();
        app.UseMiddleware<PrincipalMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapOpenApi("/openapi/v1.json");
        app.MapHealthChecks("/healthz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapMetrics("/metrics");
        app.MapGet("/api/relay/jwks", (RelayTokenIssuer issuer) => Results.Json(issuer.Jwks())).WithTags("Relay").AllowAnonymous();

        app.MapAccountEndpoints();
        app.MapAuthorizationEndpoints();
        app.MapMeApi();
        app.MapOrganizationsApi();
        app.MapInvitationsApi();
        app.MapVpcsApi();
        app.MapDevicesApi();
        app.MapRegistrationKeysApi();
        app.MapSecurityGroupsApi();
        app.MapRelaysApi();
        app.MapAuditApi();
        app.MapEnrollment();
        app.MapDeviceEndpoints();
        app.MapFallback("/api/{**rest}", (HttpContext ctx, EndpointDataSource endpoints) =>
            RouteValueErrors.Find(endpoints, ctx) ?? ApiResults.NotFound("endpoint"));
    }

    /// <summary>Creates or migrates the schema and seeds identity; run once before serving.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken ct = default)
    {
        var options = app.Services.GetRequiredService<IOptions<ControlOptions>>().Value;
        if (options.Db == "sqlite" && options.DbConnection is null)
        {
            Directory.CreateDirectory(options.DataDir);
        }

        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
            db.Scope.SetSystem();
            var sw = Stopwatch.StartNew();
            await db.Database.MigrateAsync(ct);
            if (db.Database.IsSqlite())
            {
                // WAL lets the netmap readers run while enrollments write.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            }

            app.Logger.LogInformation("database ready ({Provider}) in {Ms} ms", db.Database.ProviderName, sw.ElapsedMilliseconds);
        }

        await IdentitySeeder.SeedAsync(app.Services, options, app.Logger, ct);
    }
}
