using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.InteropServices;
using EmbedRt.Cli.Native;
using EmbedRt.Kernels.Cpu;

namespace EmbedRt.Cli.Commands;

/// <summary>
/// embedrt info, and the one line of embedrt --version: the version, how the binary was compiled and which
/// kernel tier it runs on this machine (the thing a NativeAOT flavour can get wrong).
/// </summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print the version, build (JIT or NativeAOT and its instruction set level) and the kernel tier in use");
        command.SetAction(_ =>
        {
            foreach (var (key, value) in Facts()) Console.WriteLine($"{key}: {value}");
            return 0;
        });
        return command;
    }

    /// <summary>Makes --version print <see cref="VersionLine"/> instead of the bare assembly version.</summary>
    public static void ReplaceVersionAction(RootCommand root)
    {
        foreach (var option in root.Options)
            if (option is VersionOption version) version.Action = new PrintVersion();
    }

    /// <summary>e.g. "embedrt 0.1.0 (NativeAOT x86-64-v4, kernels cpu-avx512, linux-x64)".</summary>
    public static string VersionLine() => $"embedrt {Version} ({Build}, kernels {KernelTier()}, {RuntimeInformation.RuntimeIdentifier})";

    private static IEnumerable<(string, string)> Facts()
    {
        var machine = IsaLevels.Machine();
        yield return ("version", Version);
        yield return ("build", Build);
        yield return ("kernels", KernelTier());
        yield return ("machine", $"{RuntimeInformation.RuntimeIdentifier}, {Environment.ProcessorCount} cores, " +
            (machine == IsaLevel.None ? RuntimeInformation.ProcessArchitecture.ToString() : machine.Name()));
        if (IsaLevels.IsNativeAot && machine > IsaLevels.Compiled)
            yield return ("note", $"this build uses {IsaLevels.Compiled.Name()}; the machine takes {machine.Name()}: " +
                $"install {Path.GetFileName(FlavourLauncher.SiblingPath(machine))} beside it (tools/publish.sh builds it)");
        yield return ("runtime", RuntimeInformation.FrameworkDescription);
        yield return ("path", Environment.ProcessPath ?? "?");
    }

    private static string Version =>
        typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";

    private static string Build => IsaLevels.IsNativeAot
        ? "NativeAOT " + (IsaLevels.Compiled == IsaLevel.None ? RuntimeInformation.ProcessArchitecture.ToString() : IsaLevels.Compiled.Name())
        : "JIT";

    private static string KernelTier()
    {
        using var kernels = new CpuKernels(1);
        return kernels.Name;
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Console.WriteLine(VersionLine());
            return 0;
        }
    }
}
