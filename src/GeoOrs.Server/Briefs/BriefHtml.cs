using System.Globalization;
using System.Net;
using System.Text;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// The brief as one self-contained HTML page (styles inline, the charts and map as <c>data:</c> PNGs,
/// no script), from the same figures and words as the PDF (<see cref="BriefText"/>).
/// </summary>
internal static class BriefHtml
{
    private const string Style = """
        body{font-family:"DejaVu Sans",Verdana,sans-serif;color:#212121;max-width:820px;margin:24px auto;padding:0 16px;font-size:14px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;border-bottom:1px solid #ccc;padding-bottom:2px;margin-top:22px}
        .meta{margin:2px 0;color:#444}.audience{font-weight:bold}
        table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:right}
        th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}
        img{max-width:100%}.map{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.notes li{margin-bottom:4px;color:#333}
        """;

    /// <summary>Renders the page.</summary>
    /// <param name="brief">The brief.</param>
    /// <returns>The HTML as UTF-8.</returns>
    public static byte[] Render(Brief brief)
    {
        var suppressed = brief.Audience == BriefAudience.Public;
        var html = new StringBuilder();
        string E(string text) => WebUtility.HtmlEncode(text);
        void Line(string text) => html.Append(text).Append('\n');

        Line("<!DOCTYPE html>");
        Line($"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(BriefText.Title(brief))}</title>");
        // No icon to fetch: a browser would ask for /favicon.ico, which the server does not have.
        Line($"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\"><style>{Style}</style></head><body>");
        Line($"<h1>{E(BriefText.Title(brief))}</h1>");
        Line($"<p class=\"meta audience\" id=\"audience\" data-audience=\"{brief.AudienceName}\">Audience: {E(BriefText.Audience(brief))}</p>");
        Line($"<p class=\"meta\" id=\"window\">{E(BriefText.Window(brief))}</p>");
        Line($"<p class=\"meta\">{E(BriefText.Comparisons(brief))}</p>");
        if (brief.Population is { } population)
        {
            Line($"<p class=\"meta\">Population: {population.ToString("#,0", CultureInfo.InvariantCulture)}</p>");
        }

        Line("<h2>Counts and rates</h2>");
        Line("<table id=\"figures\"><thead><tr><th></th><th>This period</th><th>Previous period</th><th>Change</th><th>Same period last year</th><th>Change</th></tr></thead><tbody>");
        foreach (var (label, value, isRate) in BriefText.Rows)
        {
            var (n, p, y) = (value(brief.Now), value(brief.Previous), value(brief.LastYear));
            Line($"<tr data-row=\"{E(label)}\"><td>{E(label)}</td><td class=\"now\">{BriefText.Figure(n, isRate)}</td><td>{BriefText.Figure(p, isRate)}</td>" +
                $"<td>{E(BriefText.Change(n, p, isRate, suppressed))}</td><td>{BriefText.Figure(y, isRate)}</td><td>{E(BriefText.Change(n, y, isRate, suppressed))}</td></tr>");
        }

        Line("</tbody></table>");

        Line($"<h2>Trend</h2><img alt=\"Overdoses and seizures per {brief.TrendUnit}\" src=\"data:image/png;base64,{Convert.ToBase64String(BriefCharts.Trend(brief))}\">");

        Line("<h2>Drugs involved</h2>");
        Line("<table id=\"drugs\"><thead><tr><th>Drug</th><th>Overdoses</th><th>Previous period</th><th>Change</th><th>Same period last year</th><th>Change</th></tr></thead><tbody>");
        foreach (var d in brief.Drugs)
        {
            Line($"<tr><td>{E(BriefText.Drug(d.Drug))}</td><td>{BriefText.Count(d.Now.Overdoses)}</td><td>{BriefText.Count(d.Previous.Overdoses)}</td>" +
                $"<td>{E(BriefText.Change(d.Now.Overdoses, d.Previous.Overdoses, false, suppressed))}</td><td>{BriefText.Count(d.LastYear.Overdoses)}</td>" +
                $"<td>{E(BriefText.Change(d.Now.Overdoses, d.LastYear.Overdoses, false, suppressed))}</td></tr>");
        }

        Line("</tbody></table>");

        Line("<h2>Seizures by drug</h2>");
        Line("<table id=\"seizures\"><thead><tr><th>Drug</th><th>Seizures</th><th>Grams</th><th>Dosage units</th><th>Change in seizures from last year</th></tr></thead><tbody>");
        foreach (var d in brief.Drugs)
        {
            Line($"<tr><td>{E(BriefText.Drug(d.Drug))}</td><td>{BriefText.Count(d.Now.Seizures)}</td><td>{E(BriefText.Quantity(d.Now.SeizureGrams, suppressed))}</td>" +
                $"<td>{E(BriefText.Quantity(d.Now.SeizureDosageUnits, suppressed))}</td><td>{E(BriefText.Change(d.Now.Seizures, d.LastYear.Seizures, false, suppressed))}</td></tr>");
        }

        Line("</tbody></table>");

        Line("<h2>Seizures and overdoses</h2><ul id=\"drug-links\">");
        foreach (var line in BriefText.DrugLinks(brief))
        {
            Line($"<li>{E(line)}</li>");
        }

        Line("</ul>");

        Line("<h2>Hot spots</h2>");
        Line($"<p>{E(BriefText.Hotspot(brief))}</p><p>{E(BriefText.Emerging(brief))}</p>");

        Line("<h2>Alerts in the window</h2>");
        if (brief.Alerts is null)
        {
            Line("<p>Alerts are shared with partners and up only.</p>");
        }
        else if (brief.Alerts.Count == 0)
        {
            Line("<p>No alert in the window.</p>");
        }
        else
        {
            Line("<table id=\"alerts\"><thead><tr><th>Day</th><th>Area</th><th>Method</th><th>Observed</th><th>Expected</th></tr></thead><tbody>");
            foreach (var a in brief.Alerts)
            {
                Line($"<tr><td>{a.Day:yyyy-MM-dd}</td><td>{E($"{a.AreaName ?? a.AreaId} ({a.AreaKind})")}</td><td>{E(a.Method)}</td><td>{a.Observed}</td>" +
                    $"<td>{(a.Expected is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) : "")}</td></tr>");
            }

            Line("</tbody></table>");
        }

        Line("<h2>Map</h2>");
        if (brief.Map is { } map)
        {
            Line($"<div class=\"map\"><img alt=\"Overdose rate of {E(brief.Name)} and its neighbours\" src=\"data:image/png;base64,{Convert.ToBase64String(map.Png)}\">" +
                $"<img alt=\"Legend\" src=\"data:image/png;base64,{Convert.ToBase64String(map.Legend)}\"></div>");
        }
        else
        {
            Line("<p>The area has no shape to draw.</p>");
        }

        Line("<h2>Data notes</h2><ul class=\"notes\">");
        foreach (var note in BriefText.Notes(brief))
        {
            Line($"<li>{E(note)}</li>");
        }

        Line("</ul></body></html>");
        return Encoding.UTF8.GetBytes(html.ToString());
    }
}
