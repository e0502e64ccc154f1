using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace GeoOrs.Data.Shapefiles;

/// <summary>
/// Reads the attribute table of a shapefile, a dBASE III/IV file (<c>.dbf</c>).
/// </summary>
/// <remarks>
/// <para>
/// dBASE III/IV file format: a 32-byte header (byte 0 version, bytes 1-3 date of last update,
/// bytes 4-7 number of records as a little-endian 32-bit integer, bytes 8-9 header length and
/// bytes 10-11 record length as little-endian 16-bit integers, byte 29 language driver ID), then
/// one 32-byte descriptor per field (bytes 0-10 name padded with NULs, byte 11 type, byte 16
/// length, byte 17 decimal count) ended by 0x0D. Records of fixed length follow at the header
/// length; each starts with a deletion flag (<c>' '</c> valid, <c>'*'</c> deleted) followed by the
/// field values as text.
/// </para>
/// <para>
/// Values are parsed as GDAL does: text is cut at the first NUL and trimmed of spaces; C gives a
/// string; N and F give a <see cref="long"/> when there are no decimals and the value fits, else a
/// <see cref="double"/>; D (<c>YYYYMMDD</c>) gives a <see cref="DateOnly"/>; L gives
/// <see langword="true"/> for <c>T</c>/<c>Y</c> and <see langword="false"/> for <c>F</c>/<c>N</c>; other
/// types give the trimmed text. Empty values, numbers starting with <c>*</c>, unparsable numbers
/// and dates, and logical <c>?</c> are <see langword="null"/>. Character fields wider than 255
/// bytes use the decimal-count byte as the high byte of the length (a Clipper/FoxPro extension
/// shapelib also reads).
/// </para>
/// </remarks>
internal sealed class DbaseReader : IDisposable
{
    private const int DescriptorSize = 32;
    private const byte HeaderTerminator = 0x0D;

    private readonly FileStream _stream;
    private readonly string _path;
    private readonly int _headerLength;
    private readonly int _recordLength;
    private readonly int[] _fieldOffsets;
    private readonly char[] _fieldTypes;
    private readonly byte[] _record;

    private DbaseReader(
        FileStream stream, string path, int recordCount, int headerLength, int recordLength,
        Encoding encoding, IReadOnlyList<ShapefileField> fields, int[] fieldOffsets)
    {
        _stream = stream;
        _path = path;
        RecordCount = recordCount;
        _headerLength = headerLength;
        _recordLength = recordLength;
        Encoding = encoding;
        Fields = fields;
        _fieldOffsets = fieldOffsets;
        _fieldTypes = [.. fields.Select(f => char.ToUpperInvariant(f.Type))];
        _record = new byte[recordLength];
        Names = new FieldNameIndex([.. fields.Select(f => f.Name)]);
    }

    /// <summary>The number of records declared by the header, deleted ones included.</summary>
    public int RecordCount { get; }

    /// <summary>The fields, in file order, with unique names.</summary>
    public IReadOnlyList<ShapefileField> Fields { get; }

    /// <summary>The field names shared by the attribute dictionaries.</summary>
    public FieldNameIndex Names { get; }

    /// <summary>The encoding of text values and field names.</summary>
    public Encoding Encoding { get; }

    /// <summary>Opens a dBASE file and reads its header.</summary>
    /// <param name="path">The <c>.dbf</c> path.</param>
    /// <param name="codePage">The content of the <c>.cpg</c> file, or <see langword="null"/>.</param>
    /// <returns>The reader.</returns>
    /// <exception cref="InvalidDataException">The header is truncated or inconsistent.</exception>
    public static DbaseReader Open(string path, string? codePage)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        try
        {
            return ReadHeader(stream, path, codePage);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static DbaseReader ReadHeader(FileStream stream, string path, string? codePage)
    {
        Span<byte> start = stackalloc byte[DescriptorSize];
        if (stream.ReadAtLeast(start, DescriptorSize, throwOnEndOfStream: false) < DescriptorSize)
        {
            throw new InvalidDataException($"{path}: the file is shorter than the 32-byte dBASE header.");
        }

        uint recordCount = BinaryPrimitives.ReadUInt32LittleEndian(start[4..]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(start[8..]);
        int recordLength = BinaryPrimitives.ReadUInt16LittleEndian(start[10..]);
        byte languageDriver = start[29];
        if (recordCount > int.MaxValue || headerLength < DescriptorSize + 1 || recordLength < 1)
        {
            throw new InvalidDataException(
                $"{path}: invalid dBASE header (records {recordCount}, header length {headerLength}, record length {recordLength}).");
        }

        var header = new byte[headerLength];
        start.CopyTo(header);
        int rest = stream.ReadAtLeast(header.AsSpan(DescriptorSize), headerLength - DescriptorSize, throwOnEndOfStream: false);
        if (rest < headerLength - DescriptorSize)
        {
            throw new InvalidDataException(
                $"{path}: the file is truncated: the dBASE header declares {headerLength} bytes but the file has {DescriptorSize + rest}.");
        }

        var encoding = DbaseEncoding.Resolve(codePage, languageDriver);
        var fields = new List<ShapefileField>();
        var offsets = new List<int>();
        var usedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int offset = 1;
        for (int at = DescriptorSize; at < headerLength && header[at] != HeaderTerminator; at += DescriptorSize)
        {
            if (at + DescriptorSize > headerLength)
            {
                throw new InvalidDataException(
                    $"{path}: field descriptor {fields.Count + 1} runs past the end of the {headerLength}-byte dBASE header.");
            }

            var descriptor = header.AsSpan(at, DescriptorSize);
            char type = (char)descriptor[11];
            int length = descriptor[16];
            int decimals = descriptor[17];
            if (char.ToUpperInvariant(type) == 'C')
            {
                length += decimals * 256;
                decimals = 0;
            }

            string name = UniqueName(DecodeName(descriptor[..11], encoding), fields.Count, usedNames);
            fields.Add(new ShapefileField(name, type, length, decimals));
            offsets.Add(offset);
            offset += length;
        }

        if (offset > recordLength)
        {
            throw new InvalidDataException(
                $"{path}: the fields need {offset} bytes per record but the header declares a record length of {recordLength}.");
        }

        return new DbaseReader(stream, path, (int)recordCount, headerLength, recordLength, encoding, fields, [.. offsets]);
    }

    /// <summary>
    /// Reads record <paramref name="index"/> (0-based).
    /// </summary>
    /// <param name="index">The record index.</param>
    /// <param name="values">The values in field order, when the record is not deleted.</param>
    /// <returns><see langword="false"/> when the record is flagged deleted (<c>'*'</c>).</returns>
    /// <exception cref="InvalidDataException">The file ends before the record.</exception>
    public bool TryReadRecord(int index, out object?[] values)
    {
        long position = _headerLength + ((long)index * _recordLength);
        if (_stream.Position != position)
        {
            _stream.Position = position;
        }

        int read = _stream.ReadAtLeast(_record, _recordLength, throwOnEndOfStream: false);
        if (read < _recordLength)
        {
            throw new InvalidDataException(
                $"{_path}: record {index + 1} is truncated: {_recordLength} bytes expected at offset {position}, {read} available.");
        }

        if (_record[0] == (byte)'*')
        {
            values = [];
            return false;
        }

        values = new object?[_fieldOffsets.Length];
        for (int i = 0; i < values.Length; i++)
        {
            var field = Fields[i];
            values[i] = ParseValue(_record.AsSpan(_fieldOffsets[i], field.Length), _fieldTypes[i], field.Decimals);
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private object? ParseValue(ReadOnlySpan<byte> raw, char type, int decimals)
    {
        int nul = raw.IndexOf((byte)0);
        if (nul >= 0)
        {
            raw = raw[..nul];
        }

        raw = raw.Trim((byte)' ');
        if (raw.IsEmpty)
        {
            return null;
        }

        switch (type)
        {
            case 'C':
                return Encoding.GetString(raw);
            case 'N':
            case 'F':
                if (raw[0] == (byte)'*')
                {
                    return null;
                }

                if (decimals == 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                {
                    return integer;
                }

                return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double real) ? real : null;
            case 'D':
                return ParseDate(raw);
            case 'L':
                return raw[0] switch
                {
                    (byte)'T' or (byte)'t' or (byte)'Y' or (byte)'y' => true,
                    (byte)'F' or (byte)'f' or (byte)'N' or (byte)'n' => false,
                    _ => null,
                };
            default:
                return Encoding.GetString(raw);
        }
    }

    private static DateOnly? ParseDate(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != 8
            || !int.TryParse(raw[..4], NumberStyles.None, CultureInfo.InvariantCulture, out int year)
            || !int.TryParse(raw[4..6], NumberStyles.None, CultureInfo.InvariantCulture, out int month)
            || !int.TryParse(raw[6..], NumberStyles.None, CultureInfo.InvariantCulture, out int day)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        return new DateOnly(year, month, day);
    }

    private static string DecodeName(ReadOnlySpan<byte> raw, Encoding encoding)
    {
        int nul = raw.IndexOf((byte)0);
        if (nul >= 0)
        {
            raw = raw[..nul];
        }

        return encoding.GetString(raw.Trim((byte)' '));
    }

    /// <summary>Makes a field name non-empty and unique ignoring case by appending <c>_n</c>.</summary>
    private static string UniqueName(string name, int position, HashSet<string> used)
    {
        if (name.Length == 0)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"FIELD_{position + 1}");
        }

        string unique = name;
        for (int n = 1; !used.Add(unique); n++)
        {
            unique = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
        }

        return unique;
    }
}
