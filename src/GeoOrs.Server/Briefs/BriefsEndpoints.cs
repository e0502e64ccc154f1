using System.Security.Claims;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Tiles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// <c>/api/briefs</c>: data briefs of a county, HIDTA region or state over a window, as PDF or HTML,
/// for the public (its view of the data, exactly as <c>/api/areas</c> gives it to an anonymous caller)
/// or for partners and up (full counts and the window's alerts).
/// </summary>
internal static partial class BriefsEndpoints
{
    /// <summary>The query parameters of a brief.</summary>
    internal static readonly IReadOnlyList<QueryParameter> Parameters =
    [
        new("from", "string", "The window's first day, YYYY-MM-DD, with 'to'. The public asks one calendar month or twelve, ending by the last complete month.", "date"),
        new("to", "string", "The window's last day, YYYY-MM-DD, with 'from'.", "date"),
        new("period", "string", "Without from and to: the last complete week (Monday to Sunday of the area's local days) or calendar month. week for keyed callers, month for the public (whose briefs are of whole months).", null, ["week", "month"]),
        new("format", "string", "pdf (the default) or html.", null, ["pdf", "html"]),
        new("audience", "string", "public or partner: the caller's own by default (partner for keys from partner up); a keyed caller may ask for the public brief.", null, ["public", "partner"]),
    ];

    /// <summary>Registers the delivery of subscribed briefs and the typeface briefs are set in.</summary>
    public static WebApplicationBuilder AddGeoOrsBriefs(this WebApplicationBuilder builder)
    {
        BriefFonts.Register();
        builder.Services.AddSingleton<BriefDelivery>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BriefDelivery>());
        return builder;
    }

    public static IEndpointRouteBuilder MapBriefs(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/briefs").WithTags("Briefs");
        MapArchive(group);
        MapSubscriptions(group);
        group.MapGet("/{kind}/{id}", GetAsync).WithName("GetBrief").WithQuery(Parameters).ReadsFromReplica().WithBriefResponse();
        return app;
    }

    /// <summary>Documents a brief's answer: the PDF or the HTML page.</summary>
    internal static RouteHandlerBuilder WithBriefResponse(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            operation.Responses ??= new OpenApiResponses();
            operation.Responses["200"] = new OpenApiResponse
            {
                Description = "The brief: a PDF (application/pdf) or a self-contained HTML page (text/html), as 'format' asks.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/pdf"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
                    ["text/html"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>What a brief request asks: the window, how it is named, the format and the audience.</summary>
    internal sealed record BriefAsk(BriefWindow? Window, string Period, string Format, BriefAudience Audience);

    /// <summary>Reads and checks a brief's query (names, values, the audience the caller may ask), else the 400's message.</summary>
    internal static bool TryAsk(IQueryCollection query, Role role, out BriefAsk ask, out string? error)
    {
        ask = new BriefAsk(null, "week", "pdf", BriefAudience.Public);
        error = null;
        foreach (var (name, values) in query)
        {
            if (!QueryParameter.Takes(Parameters, name))
            {
                error = $"unknown parameter '{name}' (a brief takes {QueryParameter.Phrase(Parameters)})";
                return false;
            }

            if (values.Count != 1)
            {
                error = $"'{name}' must be given once";
                return false;
            }
        }

        var format = query["format"].ToString() is { Length: > 0 } f ? f : "pdf";
        if (format is not ("pdf" or "html"))
        {
            error = $"'format' must be pdf or html (got '{format}')";
            return false;
        }

        var audience = role >= Role.Partner ? BriefAudience.Partner : BriefAudience.Public;
        switch (query["audience"].ToString())
        {
            case "":
                break;
            case "public":
                audience = BriefAudience.Public;
                break;
            case "partner":
                audience = BriefAudience.Partner;
                break;
            case var other:
                error = $"'audience' must be public or partner (got '{other}')";
                return false;
        }

        var period = query["period"].ToString();
        if (period.Length > 0 && period is not ("week" or "month"))
        {
            error = $"'period' must be week or month (got '{period}')";
            return false;
        }

        if (!LayerQuery.TryParse(query.Where(p => p.Key is "from" or "to").Select(p => KeyValuePair.Create(p.Key, p.Value.ToArray())), ["from", "to"], out var window, out error))
        {
            return false;
        }

        if ((window.From is null) != (window.To is null))
        {
            error = "give both 'from' and 'to', or neither (then 'period' chooses the last complete week or month)";
            return false;
        }

        if (window.From is { } from && window.To is { } to)
        {
            if (period.Length > 0)
            {
                error = "give 'period' or 'from' and 'to', not both";
                return false;
            }

            if (to.DayNumber - from.DayNumber >= AreaSummary.MaxWeeks * 7)
            {
                error = $"the window may span at most {AreaSummary.MaxWeeks} weeks";
                return false;
            }

            var w = new BriefWindow(from, to);
            period = w.WholeMonths && from.Month == to.Month && from.Year == to.Year ? "month"
                : w.Days == 7 && from.DayOfWeek == DayOfWeek.Monday ? "week"
                : w.WholeMonths && w.Days >= 365 ? "twelve months" : "custom";
            ask = new BriefAsk(w, period, format, audience);
            return true;
        }

        if (audience == BriefAudience.Public && period == "week")
        {
            error = "public briefs are of whole calendar months (period=month, or from and to of one month or twelve); keyed callers may ask for weekly briefs";
            return false;
        }

        ask = new BriefAsk(null, period.Length > 0 ? period : audience == BriefAudience.Public ? "month" : "week", format, audience);
        return true;
    }

    /// <summary>
    /// The default window of a period: the last complete week (Monday to Sunday) or calendar month
    /// before <paramref name="today"/>.
    /// </summary>
    internal static BriefWindow DefaultWindow(string period, DateOnly today)
    {
        if (period == "month")
        {
            var first = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
            return new BriefWindow(first, first.AddMonths(1).AddDays(-1));
        }

        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        return new BriefWindow(monday.AddDays(-7), monday.AddDays(-1));
    }

    internal static async Task<Results<FileContentHttpResult, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string kind, string id, HttpContext http, ReadDatabase reads, AccessViews access, TileCache cache, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!BriefMaker.Kinds.Contains(kind))
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such kind of area", Detail = $"'{kind}' is not county, hidta or state" });
        }

        var view = access.For(http);
        if (!TryAsk(http.Request.Query, view.Role, out var ask, out var error))
        {
            return BadRequest(error!);
        }

        if (ask.Audience == BriefAudience.Partner && view.Role < Role.Partner)
        {
            return AccessRules.Deny(http, "A partner's brief");
        }

        var dataSource = reads.For(http, RequestClass.Areas);
        var layer = BriefMaker.LayerOf(kind);
        BriefWindow window;
        if (ask.Audience == BriefAudience.Public)
        {
            // The public's window is one it may ask of /api/areas: the same check, the same today.
            view = AccessView.Public;
            var asked = ask.Window ?? DefaultWindow("month", LayerQuery.PublicToday(clock.GetUtcNow()));
            if (!new LayerQuery(asked.From, asked.To).TryFor(view, LayerQuery.PublicToday(clock.GetUtcNow()), out var allowed, out error))
            {
                return BadRequest(error!);
            }

            window = new BriefWindow(allowed.From!.Value, allowed.To!.Value);
        }
        else
        {
            window = ask.Window ?? DefaultWindow(ask.Period, await AreaSummary.TodayAsync(dataSource, layer, id, clock.GetUtcNow(), cancellationToken));
        }

        if (!EventDays.Contains(window.From) || !EventDays.Contains(window.To))
        {
            return BadRequest($"the window must lie within {EventDays.Range}");
        }

        var brief = await BriefMaker.MakeAsync(dataSource, cache, kind, id, window, ask.Period, view, clock.GetUtcNow(), cancellationToken);
        if (brief is null)
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such area", Detail = $"No {kind} has id '{id}'" });
        }

        http.Response.Headers.ContentDisposition = $"inline; filename=\"{FileName(brief, ask.Format)}\"";
        return File(Render(brief, ask.Format), ask.Format);
    }

    /// <summary>Bytes of a brief in its format.</summary>
    internal static FileContentHttpResult File(byte[] bytes, string format) =>
        TypedResults.File(bytes, format == "pdf" ? "application/pdf" : "text/html; charset=utf-8");

    /// <summary>The brief drawn in a format.</summary>
    internal static byte[] Render(Brief brief, string format) => format == "pdf" ? BriefPdf.Render(brief) : BriefHtml.Render(brief);

    /// <summary>A file name: area, window and audience.</summary>
    internal static string FileName(Brief brief, string format) =>
        $"geoors-brief-{brief.Kind}-{brief.Id}-{brief.Window.From:yyyyMMdd}-{brief.Window.To:yyyyMMdd}-{brief.AudienceName}.{format}";

    private static ValidationProblem BadRequest(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["query"] = [message] }, title: "The brief's query is not valid");

    /// <summary>The caller's agency, or null for the public.</summary>
    internal static string? AgencyOf(ClaimsPrincipal user) => user.FindFirstValue(GeoOrsClaims.Agency);
}
