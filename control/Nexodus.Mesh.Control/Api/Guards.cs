using Nexodus.Mesh.Control.Identity;

namespace Nexodus.Mesh.Control.Api;

/// <summary>
/// Which kind of caller an endpoint group serves. No credential is 401; the wrong kind of credential (a device
/// calling a user endpoint or the reverse) is 403: the caller is known, the endpoint is just not theirs.
/// </summary>
internal static class Guards
{
    public static RouteGroupBuilder RequireUser(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.RequestServices.GetRequiredService<CurrentPrincipal>() switch
            {
                { IsUser: true } => await next(ctx),
                { IsDevice: true } => ApiResults.Forbidden("this endpoint needs a user token; a device credential only reaches /api/device/…"),
                _ => ApiResults.Unauthorized(),
            });

    public static RouteGroupBuilder RequireDevice(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.RequestServices.GetRequiredService<CurrentPrincipal>() switch
            {
                { IsDevice: true } => await next(ctx),
                { IsUser: true } => ApiResults.Forbidden("this endpoint needs a device credential ('Authorization: Device …'), not a user token"),
                _ => ApiResults.Unauthorized(),
            });
}
