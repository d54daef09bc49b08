namespace Usher.Core.Tests.Protocols.Support;

/// <summary>Seeded, reproducible mutations of valid handshakes: bit flips, interesting bytes (0, 0xFF, 0x7F, 0x80,
/// CR, LF, NUL, space, quote, brace, colon), inserted, deleted, duplicated and truncated ranges, length fields
/// overwritten with extremes, splices of two seeds; and plain random bytes, sometimes past the 16 KB bound.</summary>
internal sealed class Mutator(int seed, IReadOnlyList<byte[]> seeds)
{
    private static readonly byte[] Interesting = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x0D, 0x0A, 0x20, 0x22, 0x7B, 0x7D, 0x3A, 0x5C, 0x2B, 0x3D, 0x16, 0x03, 0x10];

    private readonly Random random = new(seed);

    public Random Random => random;

    public byte[] Next()
    {
        var roll = random.Next(100);
        if (roll < 10)
        {
            return RandomBytes(random.Next(0, 600));
        }

        if (roll < 12)
        {
            // Past the bound: a valid start, then filler that never completes it.
            var start = seeds[random.Next(seeds.Count)];
            var big = new byte[16 * 1024 + random.Next(0, 2048)];
            random.NextBytes(big);
            var keep = random.Next(start.Length + 1);
            start.AsSpan(0, keep).CopyTo(big);
            return big;
        }

        var data = new List<byte>(seeds[random.Next(seeds.Count)]);
        var count = 1 + random.Next(4);
        for (var i = 0; i < count; i++)
        {
            Mutate(data);
        }

        return [.. data];
    }

    private void Mutate(List<byte> data)
    {
        var at = data.Count == 0 ? 0 : random.Next(data.Count);
        switch (random.Next(10))
        {
            case 0 when data.Count > 0:
                data[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0:
                data[at] = Interesting[random.Next(Interesting.Length)];
                break;
            case 2:
                data.Insert(at, random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256));
                break;
            case 3 when data.Count > 0:
                data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(8)));
                break;
            case 4 when data.Count > 0:
                var length = Math.Min(data.Count - at, 1 + random.Next(16));
                data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                break;
            case 5 when data.Count > 0:
                data.RemoveRange(at, data.Count - at);
                break;
            case 6 when data.Count > 1:
                // A length field (one or two bytes) set to an extreme.
                var extreme = random.Next(4) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x7F, _ => 0x80 };
                data[at] = (byte)extreme;
                if (at + 1 < data.Count)
                {
                    data[at + 1] = (byte)extreme;
                }

                break;
            case 7:
                var other = seeds[random.Next(seeds.Count)];
                var from = random.Next(other.Length + 1);
                data.InsertRange(at, other.Skip(from).Take(1 + random.Next(32)));
                break;
            case 8 when data.Count > 0:
                data[at] = (byte)random.Next(256);
                break;
            default:
                data.Add((byte)random.Next(256));
                break;
        }
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        if (length > 0 && random.Next(2) == 0 && seeds.Count > 0 && seeds[0].Length > 0)
        {
            // Keep the first byte of a real handshake so the reader goes past its first check.
            bytes[0] = seeds[random.Next(seeds.Count)][0];
        }

        return bytes;
    }
}
