namespace Nexodus.Mesh.Control.Api;

internal static class ApiResults
{
    public static IResult NotFound(string what) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found");

    public static IResult Forbidden(string why) => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: why);

    public static IResult Conflict(string why) => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: why);

    public static IResult Unauthorized() =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "authentication required: send 'Authorization: Bearer <token>' (nexctl login) or a device credential");
}
