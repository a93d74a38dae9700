using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace EmbedRt.Cli.Input;

/// <summary>
/// Reads and parses input lines on a background thread into a bounded queue, and hands them out in rounds:
/// a round waits for one line, then takes whatever else has already arrived, up to its size. A pipeline feeding
/// one line at a time therefore gets each answer at once, while a file fills every round; at most
/// <c>capacity</c> parsed lines wait in memory, whatever the input size.
/// </summary>
internal sealed class InputQueue<T> : IDisposable
{
    private readonly BlockingCollection<Numbered<T>> _queue;
    private readonly CancellationTokenSource _stop = new();
    private Exception? _failure;

    public InputQueue(JsonLinesReader reader, Func<JsonLine, T> parse, int capacity)
    {
        _queue = new BlockingCollection<Numbered<T>>(capacity);
        new Thread(() => Produce(reader, parse)) { IsBackground = true, Name = "embedrt input" }.Start();
    }

    /// <summary>
    /// Fills <paramref name="round"/> with the next lines, calling <paramref name="beforeWaiting"/> first when
    /// none is ready yet. False once the input is over. A bad line is thrown after the lines before it were taken.
    /// </summary>
    public bool TakeRound(List<Numbered<T>> round, int size, Action? beforeWaiting = null)
    {
        round.Clear();
        if (!_queue.TryTake(out var first))
        {
            beforeWaiting?.Invoke();
            if (!_queue.TryTake(out first, Timeout.Infinite))
            {
                if (_failure is not null) ExceptionDispatchInfo.Throw(_failure);
                return false;
            }
        }
        round.Add(first);
        while (round.Count < size && _queue.TryTake(out var next)) round.Add(next);
        return true;
    }

    /// <summary>Stops the reader thread at its next line (it may still be blocked reading the stream).</summary>
    public void Dispose() => _stop.Cancel();

    private void Produce(JsonLinesReader reader, Func<JsonLine, T> parse)
    {
        try
        {
            while (reader.TryRead(parse, out var record)) _queue.Add(new Numbered<T>(reader.LineNumber, record), _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException e)
        {
            _failure = new InputException($"cannot read standard input: {e.Message}");
        }
        catch (Exception e)
        {
            _failure = e;
        }
        finally
        {
            _queue.CompleteAdding();
        }
    }
}
