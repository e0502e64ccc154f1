namespace GeoOrs.Server.Briefs;

/// <summary>The brief's charts, drawn by ScottPlot in the shipped typeface (<see cref="BriefFonts"/>) as PNG.</summary>
internal static class BriefCharts
{
    /// <summary>The charts' size in pixels.</summary>
    public const int Width = 720, Height = 280;

    /// <summary>
    /// The trend: overdoses and seizures per week (keyed audiences) or per published month (the
    /// public); a withheld month is left out, not drawn as zero. The window's own periods are shaded.
    /// </summary>
    /// <param name="brief">The brief.</param>
    /// <returns>The PNG.</returns>
    public static byte[] Trend(Brief brief)
    {
        BriefFonts.Register();
        var plot = new ScottPlot.Plot();
        var overdoses = brief.Trend.Where(p => p.Overdoses is not null).ToList();
        var seizures = brief.Trend.Where(p => p.Seizures is not null).ToList();
        double X(DateOnly day) => day.ToDateTime(TimeOnly.MinValue).ToOADate();
        var span = brief.TrendUnit == "week" ? 7.0 : 30.0;
        if (brief.Trend.Count > 0)
        {
            var shade = plot.Add.HorizontalSpan(X(brief.Window.From), X(brief.Window.To.AddDays(1)));
            shade.FillStyle.Color = ScottPlot.Color.FromHex("#fde0c5");
            shade.LineStyle.Width = 0;
        }

        if (overdoses.Count > 0)
        {
            var bars = plot.Add.Bars(overdoses.Select(p => X(p.Start) + (span / 2)).ToArray(), overdoses.Select(p => (double)p.Overdoses!.Value).ToArray());
            bars.Color = ScottPlot.Color.FromHex("#b2182b");
            foreach (var bar in bars.Bars)
            {
                bar.Size = span * 0.8;
                bar.LineWidth = 0;
            }

            bars.LegendText = "Overdoses";
        }

        if (seizures.Count > 0)
        {
            var line = plot.Add.Scatter(seizures.Select(p => X(p.Start) + (span / 2)).ToArray(), seizures.Select(p => (double)p.Seizures!.Value).ToArray());
            line.Color = ScottPlot.Color.FromHex("#2166ac");
            line.LineWidth = 2;
            line.MarkerSize = 4;
            line.LegendText = "Seizures";
        }

        plot.Axes.DateTimeTicksBottom();
        plot.Axes.Margins(bottom: 0);
        plot.Title(brief.TrendUnit == "week" ? "Per week" : "Per month (published figures)");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        return plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
    }
}
