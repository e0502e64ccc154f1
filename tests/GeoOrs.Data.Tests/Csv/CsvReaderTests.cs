using GeoOrs.Data.Csv;

namespace GeoOrs.Data.Tests.Csv;

public class CsvReaderTests
{
    private static List<string[]> ReadAll(string text, out List<long> lines)
    {
        using var csv = new CsvReader(new StringReader(text));
        var records = new List<string[]>();
        lines = [];
        while (csv.Read() is { } record)
        {
            records.Add(record);
            lines.Add(csv.RecordLine);
        }

        return records;
    }

    [Fact]
    public void Plain_fields_split_on_commas()
    {
        var records = ReadAll("a,b,c\n1,2,3\n", out _);
        Assert.Equal([["a", "b", "c"], ["1", "2", "3"]], records);
    }

    [Fact]
    public void Byte_order_mark_is_dropped_from_the_first_header()
    {
        var records = ReadAll("\uFEFFid,name\r\n1,x\r\n", out _);
        Assert.Equal("id", records[0][0]);
    }

    [Fact]
    public void Crlf_and_lf_line_ends_read_alike()
    {
        Assert.Equal(ReadAll("a,b\n1,2\n", out _), ReadAll("a,b\r\n1,2\r\n", out _));
    }

    [Fact]
    public void Quoted_fields_keep_commas_doubled_quotes_and_line_breaks()
    {
        var records = ReadAll("id,note\n1,\"a, \"\"b\"\"\nc\"\n2,d\n", out var lines);
        Assert.Equal(["1", "a, \"b\"\nc"], records[1]);
        Assert.Equal(["2", "d"], records[2]);
        Assert.Equal([1L, 2L, 4L], lines);
    }

    [Fact]
    public void Empty_fields_and_a_last_line_without_a_break_are_read()
    {
        var records = ReadAll("a,,c\n,,", out _);
        Assert.Equal([["a", "", "c"], ["", "", ""]], records);
    }

    [Fact]
    public void Blank_lines_are_skipped()
    {
        var records = ReadAll("a\n\n\nb\n", out var lines);
        Assert.Equal([["a"], ["b"]], records);
        Assert.Equal([1L, 4L], lines);
    }

    [Fact]
    public void Unbalanced_quote_names_the_line_where_the_field_began()
    {
        using var csv = new CsvReader(new StringReader("a,b\n1,2\n3,\"never closed\n4,5\n"));
        csv.Read();
        csv.Read();
        var error = Assert.Throws<CsvFormatException>(() => csv.Read());
        Assert.Equal(3, error.Line);
        Assert.Contains("unbalanced", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_an_error()
    {
        using var csv = new CsvReader(new StringReader("\"a\"b,c\n"));
        Assert.Throws<CsvFormatException>(() => csv.Read());
    }

    [Fact]
    public async Task Records_split_across_one_character_reads_parse_the_same_asynchronously()
    {
        const string Text = "\uFEFFid,note\r\n1,\"a, \"\"b\"\"\r\nc\"\r\n\r\n2,d";
        using var csv = new CsvReader(new TrickleReader(Text));
        var records = new List<string[]>();
        while (await csv.ReadAsync() is { } record)
        {
            records.Add(record);
        }

        Assert.Equal([["id", "note"], ["1", "a, \"b\"\nc"], ["2", "d"]], records);
        Assert.Equal(ReadAll(Text, out _), records);
    }

    /// <summary>Hands out one character per read, as a slow network would.</summary>
    private sealed class TrickleReader(string text) : TextReader
    {
        private int _next;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            if (_next == text.Length || buffer.Length == 0)
            {
                return 0;
            }

            buffer[0] = text[_next++];
            return 1;
        }

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));
    }
}
