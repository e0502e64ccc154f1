namespace GeoOrs.Analysis.Raster;

/// <summary>
/// The CRC-32 used by PNG chunks (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected, initial
/// and final XOR 0xFFFFFFFF), computed with the 256-entry table of the "Sample CRC Code" annex of
/// the PNG specification (RFC 2083 §15; W3C PNG specification, 3rd ed., Annex D).
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The CRC, e.g. 0xCBF43926 for the ASCII bytes "123456789".</returns>
    public static uint Compute(ReadOnlySpan<byte> data) => Update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;

    /// <summary>
    /// Continues a running CRC register (the annex's <c>update_crc</c>): start from 0xFFFFFFFF, feed the
    /// bytes in pieces, and XOR the result with 0xFFFFFFFF at the end.
    /// </summary>
    /// <param name="crc">The register value so far.</param>
    /// <param name="data">The next bytes.</param>
    /// <returns>The updated register (not yet XORed).</returns>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
