using Nexodus.Mesh.Control.Identity;

namespace Nexodus.Mesh.Control.Api;

internal static class Guards
{
    public static RouteGroupBuilder RequireUser(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.RequestServices.GetRequiredService<CurrentPrincipal>().IsUser ? await next(ctx) : ApiResults.Unauthorized());

    public static RouteGroupBuilder RequireDevice(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.RequestServices.GetRequiredService<CurrentPrincipal>().IsDevice ? await next(ctx) : ApiResults.Unauthorized());
}
