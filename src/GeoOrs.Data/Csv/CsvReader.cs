using System.Text;

namespace GeoOrs.Data.Csv;

/// <summary>
/// A streaming RFC 4180 CSV reader: quoted fields with embedded separators, doubled quotes and
/// line breaks, CRLF or LF line ends, and a leading byte-order mark. It holds one record and one
/// buffer of characters at a time, so input of any size is read in bounded memory, synchronously
/// (<see cref="Read"/>) or from a network stream (<see cref="ReadAsync"/>).
/// </summary>
/// <remarks>
/// Format: Y. Shafranovich, <i>Common Format and MIME Type for Comma-Separated Values (CSV) Files</i>,
/// RFC 4180, 2005. A quote that is never closed is reported as a <see cref="CsvFormatException"/>
/// naming the line where the field began. The parser is a small state machine over the buffer, so a
/// record may span any number of buffer refills.
/// </remarks>
public sealed class CsvReader : IDisposable
{
    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    private readonly TextReader _reader;
    private readonly char _separator;
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _field = new();
    private readonly List<string> _record = [];
    private int _position;
    private int _length;
    private bool _endOfInput;
    private bool _atStart = true;
    private bool _skipLineFeed;
    private State _state;
    private long _line = 1;
    private long _quoteLine;

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

    /// <summary>Reads the next record, or returns <see langword="null"/> at the end of the input. Blank lines are skipped.</summary>
    /// <returns>The record's fields.</returns>
    /// <exception cref="CsvFormatException">A quoted field is not closed, or text follows a closing quote.</exception>
    public string[]? Read()
    {
        while (true)
        {
            if (TryReadRecord(out var record))
            {
                return record;
            }

            Refilled(_reader.Read(_buffer, 0, _buffer.Length));
        }
    }

    /// <summary>Reads the next record asynchronously, or returns <see langword="null"/> at the end of the input.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record's fields.</returns>
    /// <exception cref="CsvFormatException">A quoted field is not closed, or text follows a closing quote.</exception>
    public async ValueTask<string[]?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryReadRecord(out var record))
            {
                return record;
            }

            Refilled(await _reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false));
        }
    }

    private void Refilled(int count)
    {
        _position = 0;
        _length = count;
        _endOfInput = count == 0;
    }

    /// <summary>Parses from the buffer; false when the buffer ran out before a record ended.</summary>
    private bool TryReadRecord(out string[]? record)
    {
        while (true)
        {
            if (_position == _length)
            {
                if (!_endOfInput)
                {
                    record = null;
                    return false;
                }

                record = EndOfInput();
                if (record is { Length: 1 } && record[0].Length == 0)
                {
                    continue; // a blank last line
                }

                return true;
            }

            var c = _buffer[_position++];
            if (_atStart)
            {
                _atStart = false;
                if (c == '\uFEFF')
                {
                    continue;
                }
            }

            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (c == '\n')
                {
                    continue;
                }
            }

            if (_state == State.FieldStart && _record.Count == 0 && _field.Length == 0)
            {
                RecordLine = _line;
            }

            if (Step(c) is { } done)
            {
                if (done.Length == 1 && done[0].Length == 0)
                {
                    continue; // a blank line
                }

                record = done;
                return true;
            }
        }
    }

    /// <summary>Feeds one character; returns the record when it ends one.</summary>
    private string[]? Step(char c)
    {
        switch (_state)
        {
            case State.FieldStart when c == '"':
                _state = State.Quoted;
                _quoteLine = _line;
                return null;
            case State.FieldStart or State.Unquoted when c == _separator:
                EndField();
                return null;
            case State.FieldStart or State.Unquoted when c is '\r' or '\n':
                return EndRecord(c);
            case State.FieldStart or State.Unquoted:
                _field.Append(c);
                _state = State.Unquoted;
                return null;
            case State.Quoted when c == '"':
                _state = State.QuoteInQuoted;
                return null;
            case State.Quoted when c is '\r' or '\n':
                _line++;
                _skipLineFeed = c == '\r';
                _field.Append('\n');
                return null;
            case State.Quoted:
                _field.Append(c);
                return null;
            case State.QuoteInQuoted when c == '"':
                _field.Append('"');
                _state = State.Quoted;
                return null;
            case State.QuoteInQuoted when c == _separator:
                EndField();
                return null;
            case State.QuoteInQuoted when c is '\r' or '\n':
                return EndRecord(c);
            default:
                throw new CsvFormatException(_line, "text follows a closing quote");
        }
    }

    private void EndField()
    {
        _record.Add(_field.ToString());
        _field.Clear();
        _state = State.FieldStart;
    }

    private string[] EndRecord(char lineEnd)
    {
        _line++;
        _skipLineFeed = lineEnd == '\r';
        EndField();
        string[] record = [.. _record];
        _record.Clear();
        return record;
    }

    private string[]? EndOfInput()
    {
        if (_state == State.Quoted)
        {
            throw new CsvFormatException(_quoteLine, "a quoted field is never closed (unbalanced quotes)");
        }

        if (_state == State.FieldStart && _record.Count == 0 && _field.Length == 0)
        {
            return null;
        }

        EndField();
        string[] record = [.. _record];
        _record.Clear();
        return record;
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
