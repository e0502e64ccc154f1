using System.Text;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Just enough of a Mapbox Vector Tile (v2.1, a protocol buffer) reader to check tiles independently
/// of the server: layer names, extents, attribute keys, feature counts, and each feature's
/// geometry type and properties, and the points of point features (tile coordinates).
/// </summary>
internal static class MvtDecoder
{
    public sealed record Layer(string Name, uint Extent, uint Version, IReadOnlyList<string> Keys, int Features)
    {
        /// <summary>Each feature's geometry type (1 point, 2 line, 3 polygon) and properties.</summary>
        public IReadOnlyList<Feature> Items { get; init; } = [];
    }

    public sealed record Feature(int GeometryType, IReadOnlyDictionary<string, object> Properties)
    {
        /// <summary>A point feature's points in tile coordinates (0..extent, y from the top); empty for other geometries.</summary>
        public IReadOnlyList<(int X, int Y)> Points { get; init; } = [];
    }

    public static IReadOnlyList<Layer> Decode(byte[] tile)
    {
        var layers = new List<Layer>();
        var reader = new Reader(tile);
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            if (field == 3 && wire == 2)
            {
                layers.Add(DecodeLayer(reader.Bytes()));
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return layers;
    }

    private static Layer DecodeLayer(byte[] bytes)
    {
        var reader = new Reader(bytes);
        string name = "";
        uint extent = 4096, version = 1;
        var keys = new List<string>();
        var values = new List<object>();
        var raw = new List<byte[]>();
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 1: name = Encoding.UTF8.GetString(reader.Bytes()); break;
                case 2: raw.Add(reader.Bytes()); break;
                case 3: keys.Add(Encoding.UTF8.GetString(reader.Bytes())); break;
                case 4: values.Add(DecodeValue(reader.Bytes())); break;
                case 5: extent = (uint)reader.Varint(); break;
                case 15: version = (uint)reader.Varint(); break;
                default: reader.Skip(wire); break;
            }
        }

        return new Layer(name, extent, version, keys, raw.Count) { Items = [.. raw.Select(f => DecodeFeature(f, keys, values))] };
    }

    private static Feature DecodeFeature(byte[] bytes, List<string> keys, List<object> values)
    {
        var reader = new Reader(bytes);
        var type = 0;
        var properties = new Dictionary<string, object>(StringComparer.Ordinal);
        var commands = new List<uint>();
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 2:
                    var tags = new Reader(reader.Bytes());
                    while (!tags.End)
                    {
                        var key = keys[(int)tags.Varint()];
                        properties[key] = values[(int)tags.Varint()];
                    }

                    break;
                case 3: type = (int)reader.Varint(); break;
                case 4:
                    var packed = new Reader(reader.Bytes());
                    while (!packed.End)
                    {
                        commands.Add((uint)packed.Varint());
                    }

                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new Feature(type, properties) { Points = type == 1 ? PointsOf(commands) : [] };

        // A point geometry is MoveTo (command 1) with a count, then zigzag-encoded dx, dy pairs.
        static List<(int X, int Y)> PointsOf(List<uint> commands)
        {
            var points = new List<(int, int)>();
            int x = 0, y = 0, i = 0;
            while (i < commands.Count)
            {
                var (id, count) = (commands[i] & 7, (int)(commands[i] >> 3));
                i++;
                for (var k = 0; k < count && id == 1; k++, i += 2)
                {
                    x += (int)((commands[i] >> 1) ^ (uint)-(int)(commands[i] & 1));
                    y += (int)((commands[i + 1] >> 1) ^ (uint)-(int)(commands[i + 1] & 1));
                    points.Add((x, y));
                }
            }

            return points;
        }
    }

    private static object DecodeValue(byte[] bytes)
    {
        var reader = new Reader(bytes);
        object value = "";
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            value = field switch
            {
                1 => Encoding.UTF8.GetString(reader.Bytes()),
                2 => (double)BitConverter.ToSingle(reader.Fixed(4)),
                3 => BitConverter.ToDouble(reader.Fixed(8)),
                4 => (double)(long)reader.Varint(),
                5 => (double)reader.Varint(),
                6 => ZigZag(reader.Varint()),
                7 => reader.Varint() != 0,
                _ => Skip(reader, wire),
            };
        }

        return value;

        static object ZigZag(ulong n) => (double)((long)(n >> 1) ^ -(long)(n & 1));

        static object Skip(Reader reader, int wire)
        {
            reader.Skip(wire);
            return "";
        }
    }

    private sealed class Reader(byte[] data)
    {
        private int _at;

        public bool End => _at >= data.Length;

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[_at++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }

        public (int Field, int Wire) Tag()
        {
            var tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            var bytes = data.AsSpan(_at, length).ToArray();
            _at += length;
            return bytes;
        }

        public byte[] Fixed(int length)
        {
            var bytes = data.AsSpan(_at, length).ToArray();
            _at += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _at += 8; break;
                case 2: Bytes(); break;
                case 5: _at += 4; break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
    }
}
