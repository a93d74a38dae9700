// Fuzz harness entry point.
//   EmbedRt.Fuzz <target>            run under afl-fuzz (SharpFuzz persistent mode); once on stdin otherwise
//   EmbedRt.Fuzz <target> <file>...  replay inputs: prints accepted/refused, exits 1 on an unexpected exception
//   EmbedRt.Fuzz seed <corpus dir>   writes the seed corpus (small valid and near-valid inputs per target)
using EmbedRt.Fuzz;
using SharpFuzz;

if (args.Length >= 2 && args[0] == "seed")
{
    Seeds.Write(args[1]);
    return 0;
}
if (args.Length < 1 || !FuzzTargets.All.ContainsKey(args[0]))
{
    Console.Error.WriteLine($"usage: EmbedRt.Fuzz <target> [files...] | seed <dir>; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}
string target = args[0];
if (args.Length > 1)
{
    int failures = 0;
    foreach (var file in args[1..])
    {
        try
        {
            Console.WriteLine($"{(FuzzTargets.Run(target, File.ReadAllBytes(file)) ? "accepted" : "refused ")} {file}");
        }
        catch (Exception e)
        {
            failures++;
            Console.WriteLine($"UNEXPECTED {file}: {e}");
        }
    }
    return failures == 0 ? 0 : 1;
}
Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzTargets.Run(target, buffer.ToArray());
});
return 0;
