using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace GeoOrs.Server.Briefs;

/// <summary>
/// The brief as a PDF (PDFsharp, US Letter, DejaVu Sans embedded through <see cref="BriefFonts"/>), from
/// the same figures and words as the HTML (<see cref="BriefText"/>): text is laid out top to bottom on
/// as many pages as it takes; tables are drawn as text in columns, so <c>pdftotext -layout</c> reads
/// each row back as one line.
/// </summary>
internal sealed class BriefPdf
{
    private const double Margin = 48, PageWidth = 612, PageHeight = 792;
    private const double ContentWidth = PageWidth - (2 * Margin);

    private readonly PdfDocument _document = new();
    private readonly XFont _body = new(BriefFonts.Family, 9.5, XFontStyleEx.Regular);
    private readonly XFont _small = new(BriefFonts.Family, 8, XFontStyleEx.Regular);
    private readonly XFont _bold = new(BriefFonts.Family, 9.5, XFontStyleEx.Bold);
    private readonly XFont _heading = new(BriefFonts.Family, 12, XFontStyleEx.Bold);
    private readonly XFont _title = new(BriefFonts.Family, 16, XFontStyleEx.Bold);
    private XGraphics _gfx = null!;
    private double _y;

    private BriefPdf()
    {
    }

    /// <summary>Renders the PDF.</summary>
    /// <param name="brief">The brief.</param>
    /// <returns>The PDF's bytes.</returns>
    public static byte[] Render(Brief brief)
    {
        BriefFonts.Register();
        return new BriefPdf().Write(brief);
    }

    private byte[] Write(Brief brief)
    {
        var suppressed = brief.Audience == BriefAudience.Public;
        _document.Info.Title = BriefText.Title(brief);
        _document.Info.Subject = $"{BriefText.Window(brief)}; audience {brief.AudienceName}";
        _document.Info.Creator = "GeoOrs";
        NewPage();

        Text(BriefText.Title(brief), _title);
        Text($"Audience: {BriefText.Audience(brief)}", _bold);
        Text(BriefText.Window(brief), _body);
        Text(BriefText.Comparisons(brief), _body);
        if (brief.Population is { } population)
        {
            Text($"Population: {population.ToString("#,0", CultureInfo.InvariantCulture)}", _body);
        }

        Heading("Counts and rates");
        double[] figureColumns = [136, 66, 70, 88, 70, 86];
        Row(["", "This period", "Previous", "Change", "Last year", "Change"], figureColumns, _bold);
        foreach (var (label, value, isRate) in BriefText.Rows)
        {
            var (n, p, y) = (value(brief.Now), value(brief.Previous), value(brief.LastYear));
            Row([label, BriefText.Figure(n, isRate), BriefText.Figure(p, isRate), BriefText.Change(n, p, isRate, suppressed),
                BriefText.Figure(y, isRate), BriefText.Change(n, y, isRate, suppressed)], figureColumns, _body);
        }

        Heading(brief.TrendUnit == "week" ? "Weekly trend" : "Monthly trend");
        Image(BriefCharts.Trend(brief), ContentWidth, ContentWidth * BriefCharts.Height / BriefCharts.Width);

        Heading("Drugs involved");
        double[] drugColumns = [136, 66, 70, 88, 70, 86];
        Row(["Drug", "Overdoses", "Previous", "Change", "Last year", "Change"], drugColumns, _bold);
        foreach (var d in brief.Drugs)
        {
            Row([BriefText.Drug(d.Drug), BriefText.Count(d.Now.Overdoses), BriefText.Count(d.Previous.Overdoses),
                BriefText.Change(d.Now.Overdoses, d.Previous.Overdoses, false, suppressed), BriefText.Count(d.LastYear.Overdoses),
                BriefText.Change(d.Now.Overdoses, d.LastYear.Overdoses, false, suppressed)], drugColumns, _body);
        }

        Heading("Seizures by drug");
        double[] seizureColumns = [150, 72, 84, 96, 114];
        Row(["Drug", "Seizures", "Grams", "Dosage units", "Change from last year"], seizureColumns, _bold);
        foreach (var d in brief.Drugs)
        {
            Row([BriefText.Drug(d.Drug), BriefText.Count(d.Now.Seizures), BriefText.Quantity(d.Now.SeizureGrams, suppressed),
                BriefText.Quantity(d.Now.SeizureDosageUnits, suppressed), BriefText.Change(d.Now.Seizures, d.LastYear.Seizures, false, suppressed)], seizureColumns, _body);
        }

        Heading("Seizures and overdoses");
        foreach (var line in BriefText.DrugLinks(brief))
        {
            Text(line, _body);
        }

        Heading("Hot spots");
        Text(BriefText.Hotspot(brief), _body);
        Text(BriefText.Emerging(brief), _body);

        Heading("Alerts in the window");
        if (brief.Alerts is null)
        {
            Text("Alerts are shared with partners and up only.", _body);
        }
        else if (brief.Alerts.Count == 0)
        {
            Text("No alert in the window.", _body);
        }
        else
        {
            double[] alertColumns = [70, 200, 70, 60, 60];
            Row(["Day", "Area", "Method", "Observed", "Expected"], alertColumns, _bold);
            foreach (var a in brief.Alerts)
            {
                Row([a.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), $"{a.AreaName ?? a.AreaId} ({a.AreaKind})", a.Method,
                    a.Observed.ToString(CultureInfo.InvariantCulture), a.Expected is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) : ""], alertColumns, _body);
            }
        }

        Heading("Map");
        if (brief.Map is { } map)
        {
            var width = ContentWidth * 0.72;
            var height = width * BriefMaker.MapHeight / BriefMaker.MapWidth;
            Room(height + 6);
            var top = _y;
            Image(map.Png, width, height);
            using var legend = XImage.FromStream(new MemoryStream(map.Legend));
            var scale = Math.Min(1, (ContentWidth - width - 10) / legend.PixelWidth);
            _gfx.DrawImage(legend, Margin + width + 10, top, legend.PixelWidth * scale, legend.PixelHeight * scale);
        }
        else
        {
            Text("The area has no shape to draw.", _body);
        }

        Heading("Data notes");
        foreach (var note in BriefText.Notes(brief))
        {
            Text(note, _small);
        }

        _gfx.Dispose();
        using var output = new MemoryStream();
        _document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private void NewPage()
    {
        _gfx?.Dispose();
        var page = _document.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        _gfx = XGraphics.FromPdfPage(page);
        _y = Margin;
    }

    /// <summary>Starts a new page unless <paramref name="height"/> points fit on this one.</summary>
    private void Room(double height)
    {
        if (_y + height > PageHeight - Margin)
        {
            NewPage();
        }
    }

    private void Heading(string text)
    {
        // A heading keeps its first lines with it.
        Room(72);
        _y += 8;
        Text(text, _heading);
        _gfx.DrawLine(new XPen(XColors.LightGray, 0.75), Margin, _y, Margin + ContentWidth, _y);
        _y += 4;
    }

    /// <summary>Text wrapped at word boundaries to the content's width.</summary>
    private void Text(string text, XFont font)
    {
        var line = font.GetHeight() * 1.15;
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var current = "";
        foreach (var word in words)
        {
            var candidate = current.Length == 0 ? word : $"{current} {word}";
            if (current.Length > 0 && _gfx.MeasureString(candidate, font).Width > ContentWidth)
            {
                Draw(current);
                current = word;
            }
            else
            {
                current = candidate;
            }
        }

        if (current.Length > 0)
        {
            Draw(current);
        }

        _y += 2;

        void Draw(string s)
        {
            Room(line);
            _gfx.DrawString(s, font, XBrushes.Black, new XRect(Margin, _y, ContentWidth, line), XStringFormats.TopLeft);
            _y += line;
        }
    }

    /// <summary>One table row: the first cell left-aligned, the others right-aligned in their columns.</summary>
    private void Row(IReadOnlyList<string> cells, IReadOnlyList<double> widths, XFont font)
    {
        var line = font.GetHeight() * 1.35;
        Room(line);
        var x = Margin;
        for (var i = 0; i < cells.Count; i++)
        {
            var rect = new XRect(x, _y, widths[i] - 6, line);
            _gfx.DrawString(cells[i], font, XBrushes.Black, rect, i == 0 ? XStringFormats.TopLeft : XStringFormats.TopRight);
            x += widths[i];
        }

        _y += line;
        _gfx.DrawLine(new XPen(XColor.FromArgb(227, 227, 227), 0.5), Margin, _y - 1, Margin + widths.Sum(), _y - 1);
    }

    private void Image(byte[] png, double width, double height)
    {
        Room(height + 4);
        using var image = XImage.FromStream(new MemoryStream(png));
        _gfx.DrawImage(image, Margin, _y, width, height);
        _y += height + 4;
    }
}
