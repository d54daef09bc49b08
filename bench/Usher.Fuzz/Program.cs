using SharpFuzz;
using Usher.Fuzz;

// Usher.Fuzz TARGET            under afl-fuzz: inputs on standard input, SharpFuzz's persistent loop
// Usher.Fuzz TARGET FILE...    runs the target once on each file (to reproduce a crash); exit 1 on an exception
// Usher.Fuzz seeds DIR         writes the seed inputs of every target to DIR/TARGET/
// Usher.Fuzz list              prints the targets
if (args is ["list"])
{
    Console.WriteLine(string.Join(' ', Targets.All.Keys));
    return 0;
}

if (args is ["seeds", var directory])
{
    foreach (var (name, target) in Targets.All)
    {
        var folder = Path.Combine(directory, name);
        Directory.CreateDirectory(folder);
        for (var i = 0; i < target.Seeds.Length; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"seed-{i:00}"), target.Seeds[i]);
        }
    }

    return 0;
}

if (args.Length == 0 || !Targets.All.TryGetValue(args[0], out var chosen))
{
    Console.Error.WriteLine($"usage: Usher.Fuzz TARGET [FILE...] | seeds DIR | list; targets: {string.Join(", ", Targets.All.Keys)}");
    return 2;
}

if (args.Length > 1)
{
    var failed = 0;
    foreach (var file in args[1..])
    {
        try
        {
            chosen.Run(File.ReadAllBytes(file));
            Console.WriteLine($"{file}: ok");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"{file}: {e}");
        }
    }

    return failed == 0 ? 0 : 1;
}

Fuzzer.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    chosen.Run(copy.ToArray());
});
return 0;
