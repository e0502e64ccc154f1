using GeoOrs.Data.Boundaries;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GeoOrs.Server.Features;

/// <summary><c>/api/boundaries</c>: counties as GeoJSON and the areas a point falls in.</summary>
internal static class BoundariesEndpoints
{
    public static IEndpointRouteBuilder MapBoundaries(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/boundaries").WithTags("Boundaries");
        // The answers are GeoJSON and JSON the database writes: described as objects, and the 404s.
        group.MapGet("/counties/{fips}", GetCounty).WithName("GetCounty")
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, "application/geo+json").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/lookup", Lookup).WithName("LookupPoint")
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> GetCounty(
        string fips, [FromKeyedServices(RequestClass.Areas)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (fips.Length != 5 || !fips.All(char.IsAsciiDigit))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["fips"] = [$"'{fips}' is not a county FIPS code: five digits, state then county (e.g. 24510)"],
            });
        }

        var feature = await BoundaryQueries.CountyFeatureAsync(dataSource, fips, cancellationToken);
        return feature is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such county", detail: $"No county has the FIPS code {fips}.")
            : TypedResults.Text(feature, "application/geo+json");
    }

    internal static async Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> Lookup(
        string? lon, string? lat, [FromKeyedServices(RequestClass.Areas)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var x = Coordinate(lon, "lon", -180, 180, errors);
        var y = Coordinate(lat, "lat", -90, 90, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var answer = await BoundaryQueries.LookupAsync(dataSource, x, y, cancellationToken);
        return answer is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Outside every county", detail: $"No county holds the point ({x}, {y}).")
            : TypedResults.Text(answer, "application/json");
    }

    private static double Coordinate(string? text, string name, double min, double max, Dictionary<string, string[]> errors)
    {
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            errors[name] = [$"{name} must be a number of degrees"];
            return 0;
        }

        if (value < min || value > max)
        {
            errors[name] = [$"{name} must be between {min} and {max}"];
        }

        return value;
    }
}
