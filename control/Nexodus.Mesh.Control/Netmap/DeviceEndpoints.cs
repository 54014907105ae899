using System.Buffers;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Api;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// Calls made by a node with its device credential: the netmap stream (newline-delimited JSON, see README),
/// reachability reports, and its own record.
/// </summary>
internal static class DeviceEndpoints
{
    public const int MaxEndpoints = 32;
    private static readonly string[] Mappings = ["", "eim", "adm", "apdm"];
    private static readonly string[] Filterings = ["", "eif", "adf", "apdf"];

    public static void MapDeviceEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/device").RequireDevice().WithTags("Device (node)");
        g.MapGet("/", async (CurrentPrincipal who, ControlDbContext db, CancellationToken ct) =>
            await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == who.DeviceId, ct) is { } d ? Results.Ok(DevicesApi.View(d)) : ApiResults.NotFound("device"))
            .Produces<DevicesApi.DeviceView>();
        g.MapGet("/netmap", StreamAsync).Produces<NetmapMessage>(200, "application/x-ndjson");
        g.MapPut("/status", ReportAsync).Accepts<DeviceStatusReport>("application/json");
    }

    private static async Task<IResult> ReportAsync(HttpRequest http, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct)
    {
        var (req, error) = await JsonBody.ReadAsync<DeviceStatusReport>(http);
        if (req is null)
        {
            return error!;
        }

        var v = new ValidationErrors();
        if (req.Endpoints is null || req.Endpoints.Count > MaxEndpoints)
        {
            v.Add("endpoints", $"must be a list of at most {MaxEndpoints} entries");
        }
        else
        {
            for (var i = 0; i < req.Endpoints.Count; i++)
            {
                if (!IPEndPoint.TryParse(req.Endpoints[i] ?? "", out var ep) || ep.Port == 0 || !(req.Endpoints[i]!.Contains(':', StringComparison.Ordinal)))
                {
                    v.Add($"endpoints[{i}]", "must be ip:port or [ipv6]:port with a non-zero port");
                }
            }
        }

        if (req.HomeRelay is < 1 or > 65535)
        {
            v.Add("homeRelay", "must be a relay region id (1-65535)");
        }

        if (!Mappings.Contains(req.NatMapping))
        {
            v.Add("natMapping", "must be eim, adm, apdm or empty");
        }

        if (!Filterings.Contains(req.NatFiltering))
        {
            v.Add("natFiltering", "must be eif, adf, apdf or empty");
        }

        if (v.Any)
        {
            return v.ToResult();
        }

        var d = await db.Devices.FirstOrDefaultAsync(x => x.Id == who.DeviceId, ct);
        if (d is null)
        {
            return ApiResults.NotFound("device");
        }

        d.Endpoints = [.. req.Endpoints!.Select(e => IPEndPoint.Parse(e).ToString()).Distinct()];
        d.HomeRelay = req.HomeRelay;
        d.NatMapping = req.NatMapping;
        d.NatFiltering = req.NatFiltering;
        d.LastSeen = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await bus.PublishDeviceAsync(db, d.VpcId, d.Id, ct);
        return Results.NoContent();
    }

    private static async Task StreamAsync(HttpContext ctx, long? revision, CurrentPrincipal who, NetmapHub hub)
    {
        var stream = await hub.OpenAsync(who.DeviceId!.Value, who.DeviceVpcId!.Value, revision, ctx.RequestAborted);
        if (stream is null)
        {
            await ApiResults.NotFound("device").ExecuteAsync(ctx);
            return;
        }

        ctx.Response.ContentType = "application/x-ndjson";
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers["X-Accel-Buffering"] = "no";
        // Authenticated and registered: the stream itself runs once the middleware pipeline has unwound (see
        // NetmapStreamMiddleware), so it does not keep the pipeline's per-request state alive for days.
        ctx.Features.Set(new NetmapHandoff(stream));
    }

    /// <summary>Flushes; false when the client is gone.</summary>
    private static async ValueTask<bool> FlushAsync(System.IO.Pipelines.PipeWriter body, CancellationToken ct)
    {
        var flushed = await body.FlushAsync(ct);
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }

    /// <summary>Writes the stream's queued lines until the client goes away or the hub ends the stream.</summary>
    public static async Task RunStreamAsync(HttpContext ctx, DeviceStream stream, NetmapHub hub, Presence presence)
    {
        var ct = ctx.RequestAborted;
        try
        {
            await presence.OnlineAsync(stream, ct);
            // Lines are written straight into the response pipe and flushed once per batch; nothing is held per
            // stream while it waits (heartbeats come from the hub's one ticker, not a timer per stream).
            // A stream that fell behind (thousands of deltas queued while a full map was written) is flushed every
            // FlushThreshold bytes: what its connection holds unsent, and how far its pipe's and Kestrel's buffer
            // pools grow, stays bounded instead of growing with the backlog.
            var body = ctx.Response.BodyWriter;
            var reader = stream.Outbox.Reader;
            // Headers go out now: body bytes written before them are held in a separate list of buffers until the
            // first flush, which a megabyte map would grow to hundreds of entries.
            await ctx.Response.StartAsync(ct);
            var open = true;
            while (open && await reader.WaitToReadAsync(ct))
            {
                var unflushed = 0;
                while (open && reader.TryRead(out var line))
                {
                    if (line.Full is { } full)
                    {
                        await NetmapLines.WriteFullAsync(body, full, ct);
                        unflushed = NetmapLines.FlushThreshold;
                    }
                    else
                    {
                        body.Write(line.Bytes);
                        unflushed += line.Bytes!.Length;
                    }

                    if (unflushed >= NetmapLines.FlushThreshold)
                    {
                        open = await FlushAsync(body, ct);
                        unflushed = 0;
                    }
                }

                if (open && unflushed > 0)
                {
                    open = await FlushAsync(body, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // Client went away mid-write.
        }
        finally
        {
            hub.Close(stream);
            presence.Offline(stream);
        }
    }
}
