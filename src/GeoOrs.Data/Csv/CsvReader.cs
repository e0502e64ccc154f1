using System.Text;

namespace GeoOrs.Data.Csv;

/// <summary>
/// A streaming RFC 4180 CSV reader: quoted fields with embedded separators, doubled quotes and
/// line breaks, CRLF or LF line ends, and a leading byte-order mark. It never buffers more than
/// one record, so files of any size are read in bounded memory.
/// </summary>
/// <remarks>
/// Format: Y. Shafranovich, <i>Common Format and MIME Type for Comma-Separated Values (CSV) Files</i>,
/// RFC 4180, 2005. A quote that is never closed is reported as a <see cref="CsvFormatException"/>
/// naming the line where the field began.
/// </remarks>
public sealed class CsvReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly char _separator;
    private readonly StringBuilder _field = new();
    private readonly List<string> _record = [];
    private long _line = 1;
    private bool _atStart = true;

    /// <summary>Creates a reader over <paramref name="reader"/>, which it disposes with itself.</summary>
    /// <param name="reader">The text to read.</param>
    /// <param name="separator">The field separator, a comma by default.</param>
    public CsvReader(TextReader reader, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        _separator = separator;
    }

    /// <summary>The physical line (1-based) on which the last record returned began.</summary>
    public long RecordLine { get; private set; }

    /// <summary>
    /// Reads the next record, or returns <see langword="null"/> at the end of the input.
    /// Blank lines are skipped.
    /// </summary>
    /// <exception cref="CsvFormatException">A quoted field is not closed, or text follows a closing quote.</exception>
    public string[]? Read()
    {
        while (true)
        {
            var record = ReadRecord();
            if (record is null)
            {
                return null;
            }

            if (record.Length == 1 && record[0].Length == 0)
            {
                continue; // blank line
            }

            return record;
        }
    }

    private string[]? ReadRecord()
    {
        _record.Clear();
        _field.Clear();
        RecordLine = _line;
        var c = _reader.Read();
        if (_atStart)
        {
            _atStart = false;
            if (c == '\uFEFF')
            {
                c = _reader.Read();
            }
        }

        if (c == -1)
        {
            return null;
        }

        while (true)
        {
            if (c == '"' && _field.Length == 0)
            {
                c = ReadQuoted();
            }

            if (c == _separator)
            {
                _record.Add(_field.ToString());
                _field.Clear();
                c = _reader.Read();
                continue;
            }

            if (c == '\r' || c == '\n' || c == -1)
            {
                if (c == '\r' && _reader.Peek() == '\n')
                {
                    _reader.Read();
                }

                if (c != -1)
                {
                    _line++;
                }

                _record.Add(_field.ToString());
                return [.. _record];
            }

            _field.Append((char)c);
            c = _reader.Read();
        }
    }

    /// <summary>Reads a quoted field's content; returns the first character after its closing quote.</summary>
    private int ReadQuoted()
    {
        var startLine = _line;
        while (true)
        {
            var c = _reader.Read();
            switch (c)
            {
                case -1:
                    throw new CsvFormatException(startLine, "a quoted field is never closed (unbalanced quotes)");
                case '"' when _reader.Peek() == '"':
                    _reader.Read();
                    _field.Append('"');
                    break;
                case '"':
                    var next = _reader.Read();
                    if (next != _separator && next != '\r' && next != '\n' && next != -1)
                    {
                        throw new CsvFormatException(_line, "text follows a closing quote");
                    }

                    return next;
                case '\n':
                    _line++;
                    _field.Append('\n');
                    break;
                case '\r':
                    if (_reader.Peek() == '\n')
                    {
                        _reader.Read();
                    }

                    _line++;
                    _field.Append('\n');
                    break;
                default:
                    _field.Append((char)c);
                    break;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}

/// <summary>A CSV file that does not follow RFC 4180, with the line where the fault begins.</summary>
public sealed class CsvFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="line">The 1-based physical line.</param>
    /// <param name="reason">What is wrong, in words.</param>
    public CsvFormatException(long line, string reason)
        : base($"line {line}: {reason}")
    {
        Line = line;
        Reason = reason;
    }

    /// <summary>The 1-based physical line on which the fault begins.</summary>
    public long Line { get; }

    /// <summary>What is wrong, without the line number.</summary>
    public string Reason { get; }
}
