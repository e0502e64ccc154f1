using System.Text;

namespace GeoOrs.Data.Csv;

/// <summary>
/// UTF-8 that reads a byte which is not part of a valid UTF-8 sequence as ISO-8859-1 (Latin-1)
/// instead of failing. Senders' files are UTF-8 or Latin-1 and rarely say which; a Latin-1 "ñ"
/// (0xF1 followed by ASCII) is never valid UTF-8, so each file reads as it was meant, streamed.
/// </summary>
public static class Utf8OrLatin1
{
    /// <summary>The encoding.</summary>
    public static Encoding Encoding { get; } = (Encoding)new UTF8Encoding(false).Clone() is var e
        ? SetFallback(e)
        : throw new InvalidOperationException();

    private static Encoding SetFallback(Encoding encoding)
    {
        encoding.DecoderFallback = new Latin1Fallback();
        return encoding;
    }

    private sealed class Latin1Fallback : DecoderFallback
    {
        public override int MaxCharCount => 4;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

        private sealed class Buffer : DecoderFallbackBuffer
        {
            private byte[] _bytes = [];
            private int _next;

            public override int Remaining => _bytes.Length - _next;

            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                _bytes = bytesUnknown;
                _next = 0;
                return true;
            }

            public override char GetNextChar() => _next < _bytes.Length ? (char)_bytes[_next++] : '\0';

            public override bool MovePrevious()
            {
                if (_next == 0)
                {
                    return false;
                }

                _next--;
                return true;
            }

            public override void Reset()
            {
                _bytes = [];
                _next = 0;
            }
        }
    }
}
