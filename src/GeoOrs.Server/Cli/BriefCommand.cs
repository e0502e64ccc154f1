using System.CommandLine;
using GeoOrs.Data;
using GeoOrs.Data.Access;
using GeoOrs.Data.Layers;
using GeoOrs.Data.Migrations;

namespace GeoOrs.Server.Cli;

/// <summary>
/// <c>geoors brief KIND ID</c>: the brief of <c>GET /api/briefs/{kind}/{id}</c> from the command line,
/// written to a file. The command line is trusted as an admin is: the partner brief has the whole
/// view; the public brief follows the public view's rules exactly as the endpoint does.
/// </summary>
internal static class BriefCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("KIND") { Description = "county, hidta or state" };
        kind.AcceptOnlyFromAmong([.. BriefMaker.Kinds]);
        var id = new Argument<string>("ID") { Description = "The area's id: a county's FIPS code, a HIDTA region's id, a state's FIPS code" };
        var from = CommandLine.Date("--from", "The window's first day (with --to)");
        var to = CommandLine.Date("--to", "The window's last day (with --from)");
        var period = CommandLine.Optional<string>("--period", "Without --from and --to: the last complete week (the default) or month", "week|month");
        period.AcceptOnlyFromAmong("week", "month");
        var audience = CommandLine.Optional<string>("--audience", "partner (the default: full counts and alerts) or public", "partner|public");
        audience.AcceptOnlyFromAmong("partner", "public");
        var format = CommandLine.Optional<string>("--format", "pdf (the default) or html", "pdf|html");
        format.AcceptOnlyFromAmong("pdf", "html");
        var output = CommandLine.Optional<string>("--out", "The file written (by default geoors-brief-KIND-ID-FROM-TO-AUDIENCE.FORMAT here)", "FILE");
        var command = new Command("brief", "Writes a data brief of a county, HIDTA region or state as PDF or HTML") { kind, id, from, to, period, audience, format, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var query = new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>();
            void Add(string name, string? value)
            {
                if (value is not null)
                {
                    query[name] = value;
                }
            }

            Add("from", parse.GetValue(from)?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            Add("to", parse.GetValue(to)?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            Add("period", parse.GetValue(period));
            Add("audience", parse.GetValue(audience));
            Add("format", parse.GetValue(format));
            if (!BriefsEndpoints.TryAsk(new Microsoft.AspNetCore.Http.QueryCollection(query), Role.Admin, out var ask, out var error))
            {
                return CommandLine.Refuse("brief", error!);
            }

            return await RunAsync(parse.GetRequiredValue(kind), parse.GetRequiredValue(id), ask, parse.GetValue(output), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string kind, string id, BriefsEndpoints.BriefAsk ask, string? output, CancellationToken cancellationToken)
    {
        await using var dataSource = CommandLine.Open();
        await Migrator.MigrateAsync(dataSource, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        BriefWindow window;
        var view = ask.Audience == BriefAudience.Public ? AccessView.Public : AccessView.Everything;
        if (ask.Audience == BriefAudience.Public)
        {
            var today = LayerQuery.PublicToday(now);
            var asked = ask.Window ?? BriefsEndpoints.DefaultWindow("month", today);
            if (!new LayerQuery(asked.From, asked.To).TryFor(view, today, out var allowed, out var error))
            {
                return CommandLine.Refuse("brief", error!);
            }

            window = new BriefWindow(allowed.From!.Value, allowed.To!.Value);
        }
        else
        {
            window = ask.Window ?? BriefsEndpoints.DefaultWindow(ask.Period, await AreaSummary.TodayAsync(dataSource, BriefMaker.LayerOf(kind), id, now, cancellationToken));
        }

        if (!EventDays.Contains(window.From) || !EventDays.Contains(window.To))
        {
            return CommandLine.Refuse("brief", $"the window must lie within {EventDays.Range}");
        }

        BriefFonts.Register();
        if (await BriefMaker.MakeAsync(dataSource, null, kind, id, window, ask.Period, view, now, cancellationToken) is not { } brief)
        {
            return CommandLine.Refuse("brief", $"no {kind} has id '{id}'");
        }

        var path = output ?? BriefsEndpoints.FileName(brief, ask.Format);
        await File.WriteAllBytesAsync(path, BriefsEndpoints.Render(brief, ask.Format), cancellationToken);
        Console.WriteLine($"Wrote the {brief.AudienceName} brief of {brief.Name} ({kind} {id}) for {window} to {path}");
        return 0;
    }
}
