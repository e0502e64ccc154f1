using System.Globalization;

namespace GeoOrs.Data.Synthetic;

/// <summary>
/// Builds one CSV line in a reused character buffer and writes it to a <see cref="TextWriter"/>,
/// formatting numbers and timestamps with fixed, culture-free rules.
/// </summary>
/// <remarks>
/// The generator's field values never contain a separator, quote or line break, so no field is
/// quoted. Lines end with a bare <c>\n</c> whatever the writer's <see cref="TextWriter.NewLine"/>,
/// so the files are byte-identical on every platform.
/// </remarks>
internal sealed class CsvLineBuilder
{
    private char[] _buffer = new char[512];
    private int _length;

    /// <summary>Appends text.</summary>
    /// <param name="text">The text.</param>
    public void Append(string text)
    {
        Ensure(text.Length);
        text.CopyTo(0, _buffer, _length, text.Length);
        _length += text.Length;
    }

    /// <summary>Appends one character, typically the separator.</summary>
    /// <param name="c">The character.</param>
    public void Append(char c)
    {
        Ensure(1);
        _buffer[_length++] = c;
    }

    /// <summary>Appends an integer in invariant decimal digits.</summary>
    /// <param name="value">The value.</param>
    public void Append(long value)
    {
        Ensure(20);
        value.TryFormat(_buffer.AsSpan(_length), out int written, default, CultureInfo.InvariantCulture);
        _length += written;
    }

    /// <summary>Appends a number with a fixed count of decimals, rounded half away from zero.</summary>
    /// <param name="value">The value; its magnitude times 10^<paramref name="decimals"/> must fit a long.</param>
    /// <param name="decimals">The number of decimals, 0 to 9.</param>
    public void AppendFixed(double value, int decimals)
    {
        long scale = 1;
        for (int i = 0; i < decimals; i++)
        {
            scale *= 10;
        }

        long units = (long)Math.Round(value * scale, MidpointRounding.AwayFromZero);
        Ensure(22);
        if (units < 0)
        {
            _buffer[_length++] = '-';
            units = -units;
        }

        Append(units / scale);
        if (decimals > 0)
        {
            _buffer[_length++] = '.';
            long fraction = units % scale;
            for (long digit = scale / 10; digit > 0; digit /= 10)
            {
                _buffer[_length++] = (char)('0' + (fraction / digit % 10));
            }
        }
    }

    /// <summary>Appends a quantity with up to <paramref name="maxDecimals"/> decimals and no trailing zeros.</summary>
    /// <param name="value">The value.</param>
    /// <param name="maxDecimals">The most decimals to keep.</param>
    public void AppendTrimmed(double value, int maxDecimals)
    {
        int start = _length;
        AppendFixed(value, maxDecimals);
        if (maxDecimals == 0)
        {
            return;
        }

        while (_buffer[_length - 1] == '0')
        {
            _length--;
        }

        if (_buffer[_length - 1] == '.')
        {
            _length--;
        }

        if (_length == start)
        {
            _buffer[_length++] = '0';
        }
    }

    /// <summary>Appends an ISO 8601 UTC timestamp with seconds: <c>yyyy-MM-ddTHH:mm:ssZ</c>.</summary>
    /// <param name="date">The date as <c>yyyy-MM-dd</c>.</param>
    /// <param name="secondOfDay">Seconds since midnight UTC, 0 to 86,399.</param>
    public void AppendTimestamp(string date, int secondOfDay)
    {
        Append(date);
        Ensure(10);
        _buffer[_length++] = 'T';
        TwoDigits(secondOfDay / 3600);
        _buffer[_length++] = ':';
        TwoDigits(secondOfDay / 60 % 60);
        _buffer[_length++] = ':';
        TwoDigits(secondOfDay % 60);
        _buffer[_length++] = 'Z';
    }

    /// <summary>Appends a UTC instant as <c>yyyy-MM-ddTHH:mm:ssZ</c>.</summary>
    /// <param name="utc">The instant (UTC; fractions of a second are dropped).</param>
    public void AppendTimestamp(DateTime utc)
    {
        AppendTimestamp(utc.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), (int)(utc.Ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerSecond));
    }

    /// <summary>Ends the line with <c>\n</c>, writes it and clears the buffer.</summary>
    /// <param name="writer">The destination.</param>
    public void WriteLineTo(TextWriter writer)
    {
        Append('\n');
        writer.Write(_buffer, 0, _length);
        _length = 0;
    }

    private void TwoDigits(int value)
    {
        _buffer[_length++] = (char)('0' + (value / 10));
        _buffer[_length++] = (char)('0' + (value % 10));
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}
