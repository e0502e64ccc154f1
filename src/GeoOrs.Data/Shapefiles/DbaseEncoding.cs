using System.Globalization;
using System.Text;

namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// Chooses the text encoding of a dBASE file, in GDAL's order: the code page named by the
/// shapefile's <c>.cpg</c> file, else the language driver ID (LDID) at byte 29 of the dBASE
/// header, else Windows-1252.
/// </summary>
/// <remarks>
/// <para>
/// Without a <c>.cpg</c> and with LDID 0, GDAL 3.6 does not decode the text at all (its
/// <c>SOURCE_ENCODING</c> is empty and the bytes pass through), which yields invalid UTF-8 for
/// any byte above 0x7F. This reader decodes such text as Windows-1252 instead: it is identical to
/// ISO-8859-1 for every printable ISO-8859-1 character (0x20-0x7E, 0xA0-0xFF), gives the characters
/// Windows software writes in 0x80-0x9F (euro sign, curly quotes, dashes) rather than C1 control
/// codes, and maps every byte to a character, so nothing is lost. (WHATWG's encoding standard
/// treats the label "ISO-8859-1" as Windows-1252 for the same reason.)
/// </para>
/// <para>
/// Code pages other than UTF-8, ASCII and ISO-8859-1 come from
/// <see cref="CodePagesEncodingProvider"/> (System.Text.Encoding.CodePages, part of the shared
/// framework); the provider is queried directly rather than registered globally.
/// </para>
/// </remarks>
internal static class DbaseEncoding
{
    /// <summary>Resolves the encoding of a dBASE file.</summary>
    /// <param name="cpg">The content of the <c>.cpg</c> file, or <see langword="null"/> when there is none.</param>
    /// <param name="languageDriverId">Byte 29 of the dBASE header.</param>
    /// <returns>The encoding.</returns>
    public static Encoding Resolve(string? cpg, byte languageDriverId) =>
        (cpg is null ? null : FromCodePageName(cpg))
        ?? FromLanguageDriver(languageDriverId)
        ?? FromCodePage(1252)
        ?? Encoding.Latin1;

    /// <summary>
    /// Maps the content of a <c>.cpg</c> file to an encoding: <c>UTF-8</c>/<c>UTF8</c>, ESRI's numeric
    /// forms (<c>1252</c>, <c>ANSI 1252</c>, <c>88591</c> for ISO-8859-1, <c>885915</c>),
    /// <c>LDID/n</c>, <c>CPnnnn</c>, or any encoding name .NET knows (<c>windows-1252</c>, <c>ISO-8859-2</c>,
    /// <c>Shift_JIS</c>, ...).
    /// </summary>
    /// <param name="cpg">The code page text.</param>
    /// <returns>The encoding, or <see langword="null"/> when the text names none.</returns>
    public static Encoding? FromCodePageName(string cpg)
    {
        string name = cpg.Trim().TrimStart('\uFEFF').Trim();
        if (name.Length == 0)
        {
            return null;
        }

        if (name.StartsWith("UTF-8", StringComparison.OrdinalIgnoreCase) || name.StartsWith("UTF8", StringComparison.OrdinalIgnoreCase))
        {
            return FromCodePage(65001);
        }

        if (name.StartsWith("LDID/", StringComparison.OrdinalIgnoreCase))
        {
            return byte.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out byte ldid)
                ? FromLanguageDriver(ldid)
                : null;
        }

        if (name.StartsWith("8859", StringComparison.Ordinal))
        {
            // ESRI writes ISO-8859-n as "8859n" (e.g. "88591", "885915"), sometimes "8859-n" or "8859_n".
            var part = name.AsSpan(4).TrimStart("-_");
            return int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                ? FromName($"ISO-8859-{n}")
                : null;
        }

        var digits = name.AsSpan();
        if (digits.StartsWith("ANSI", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[4..].TrimStart(' ');
        }
        else if (digits.StartsWith("CP", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..].TrimStart(' ');
        }

        if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int codePage))
        {
            return FromCodePage(codePage);
        }

        return FromName(name);
    }

    /// <summary>
    /// Maps a dBASE language driver ID to an encoding, with the table GDAL uses (from the ESRI
    /// ArcPad reference); 0 and unknown IDs give <see langword="null"/>. ID 0x57 (87, "current ANSI
    /// code page") is ISO-8859-1, as in GDAL.
    /// </summary>
    /// <param name="languageDriverId">Byte 29 of the dBASE header.</param>
    /// <returns>The encoding, or <see langword="null"/>.</returns>
    public static Encoding? FromLanguageDriver(byte languageDriverId)
    {
        int codePage = languageDriverId switch
        {
            1 or 11 or 13 or 15 or 17 or 21 or 24 or 25 or 27 => 437,
            2 or 10 or 14 or 16 or 18 or 20 or 22 or 26 or 29 or 37 or 55 => 850,
            3 or 88 or 89 => 1252,
            4 => 10000,
            8 or 23 or 102 => 865,
            19 or 123 => 932,
            28 or 108 => 863,
            31 or 34 or 35 or 64 or 100 or 135 => 852,
            36 => 860,
            38 or 101 => 866,
            77 or 122 => 936,
            78 or 121 => 949,
            79 or 120 => 950,
            80 or 124 => 874,
            87 => 28591,
            103 => 861,
            104 => 895,
            105 => 620,
            106 or 134 => 737,
            107 or 136 => 857,
            150 => 10007,
            151 => 10029,
            200 => 1250,
            201 => 1251,
            202 => 1254,
            203 => 1253,
            204 => 1257,
            _ => 0,
        };
        return codePage == 0 ? null : FromCodePage(codePage);
    }

    private static Encoding? FromCodePage(int codePage)
    {
        switch (codePage)
        {
            case 65001:
                return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
            case 28591:
                return Encoding.Latin1;
            case 20127:
                return Encoding.ASCII;
        }

        var encoding = CodePagesEncodingProvider.Instance.GetEncoding(codePage);
        if (encoding is not null)
        {
            return encoding;
        }

        try
        {
            return Encoding.GetEncoding(codePage);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static Encoding? FromName(string name)
    {
        var encoding = CodePagesEncodingProvider.Instance.GetEncoding(name);
        if (encoding is not null)
        {
            return encoding;
        }

        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
