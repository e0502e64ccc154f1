namespace GeoOrs.Server.Hosting;

/// <summary>
/// Refuses a query string that holds a NUL character (<c>%00</c>) with 400, as Kestrel refuses one
/// in the path: no parameter means one, and PostgreSQL text, which parameters are bound as, cannot
/// hold it (the database would refuse the statement and the caller would get a 500).
/// </summary>
internal static class QueryGuard
{
    public static WebApplication UseQueryGuard(this WebApplication app)
    {
        app.Use(static (http, next) => HasNul(http.Request) ? RefuseAsync(http) : next(http));
        return app;
    }

    private static bool HasNul(HttpRequest request) =>
        request.QueryString.HasValue && request.Query.Any(p => p.Key.Contains('\0', StringComparison.Ordinal) || p.Value.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true));

    private static Task RefuseAsync(HttpContext http) => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid parameter",
        detail: "The query string holds a NUL character (%00), which no parameter takes.").ExecuteAsync(http);
}
