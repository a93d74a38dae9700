namespace EmbedRt.Kernels.Cpu.Threading;

/// <summary>
/// A unit of parallel work split into numbered tasks. Jobs are long-lived objects whose fields are set per call,
/// so dispatching work allocates nothing.
/// </summary>
internal abstract class ParallelJob
{
    /// <summary>Runs task <paramref name="task"/> on worker <paramref name="worker"/> (0 is the calling thread).</summary>
    public abstract void Execute(int task, int worker);
}
