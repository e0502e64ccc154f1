using System.Text;

namespace GeoOrs.Server.Tests;

/// <summary>
/// Just enough of a Mapbox Vector Tile (v2.1, a protocol buffer) reader to check tiles independently
/// of the server: layer names, extents, attribute keys and feature counts.
/// </summary>
internal static class MvtDecoder
{
    public sealed record Layer(string Name, uint Extent, uint Version, IReadOnlyList<string> Keys, int Features);

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
        var features = 0;
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field)
            {
                case 1: name = Encoding.UTF8.GetString(reader.Bytes()); break;
                case 2: reader.Bytes(); features++; break;
                case 3: keys.Add(Encoding.UTF8.GetString(reader.Bytes())); break;
                case 5: extent = (uint)reader.Varint(); break;
                case 15: version = (uint)reader.Varint(); break;
                default: reader.Skip(wire); break;
            }
        }

        return new Layer(name, extent, version, keys, features);
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
