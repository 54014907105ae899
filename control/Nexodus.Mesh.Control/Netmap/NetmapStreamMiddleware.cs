using Microsoft.AspNetCore.Http.Features;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// Outermost middleware: when the netmap endpoint handed its request over (<see cref="NetmapHandoff"/>), runs the
/// stream after the rest of the pipeline has returned. A stream lives for days; inside the pipeline every middleware's
/// suspended state, the authentication handlers and the request's service scope (database context included) would
/// live as long — measured at ~24 KiB per idle stream. Here the stream holds only Kestrel's connection and its own state.
/// </summary>
internal static class NetmapStreamMiddleware
{
    public static IApplicationBuilder UseNetmapStreams(this IApplicationBuilder app)
    {
        var hub = app.ApplicationServices.GetRequiredService<NetmapHub>();
        var presence = app.ApplicationServices.GetRequiredService<Presence>();
        return app.Use(async (ctx, next) =>
        {
            try
            {
                await next(ctx);
            }
            catch when (ctx.Features.Get<NetmapHandoff>() is { } failed)
            {
                // Registered with the hub but never to be written: unregister before the error propagates.
                hub.Close(failed.Stream);
                throw;
            }

            if (ctx.Features.Get<NetmapHandoff>() is not { } handoff)
            {
                return;
            }

            ctx.Features.Set<NetmapHandoff?>(null);
            // Release the request's scope now rather than when the stream ends; nothing below resolves request services.
            if (ctx.Features.Get<IServiceProvidersFeature>() is IAsyncDisposable requestServices)
            {
                await requestServices.DisposeAsync();
            }

            ReleaseRequestState(ctx);
            await DeviceEndpoints.RunStreamAsync(ctx, handoff.Stream, hub, presence);
        });
    }

    /// <summary>
    /// Drops what authentication and routing left on the request: the connection's feature collection outlives
    /// the pipeline, and OpenIddict's validation transaction alone (token, claims, issuer URIs) was kilobytes per
    /// idle stream. The stream needs only the response and the abort token.
    /// </summary>
    private static void ReleaseRequestState(HttpContext ctx)
    {
        ctx.User = new System.Security.Claims.ClaimsPrincipal();
        ctx.Features.Set<IItemsFeature?>(null);
        ctx.Features.Set<Microsoft.AspNetCore.Authentication.IAuthenticateResultFeature?>(null);
        ctx.Features.Set<IEndpointFeature?>(null);
        ctx.Features.Set<IRouteValuesFeature?>(null);
        foreach (var (type, value) in ctx.Features.ToList())
        {
            if (value is not null && type.Assembly.GetName().Name?.StartsWith("OpenIddict.", StringComparison.Ordinal) == true)
            {
                ctx.Features[type] = null;
            }
        }
    }
}
