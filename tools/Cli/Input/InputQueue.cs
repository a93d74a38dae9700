using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace EmbedRt.Cli.Input;

/// <summary>
/// Reads and parses input lines on a background thread into a bounded queue, and hands them out in rounds:
/// a round waits for one line, then takes whatever else has already arrived, up to its size. A pipeline feeding
/// one line at a time therefore gets each answer at once, while a file fills every round; at most
/// <c>capacity</c> parsed lines wait in memory, whatever the input size. Lines travel in chunks (those that one
/// read of the stream completed, up to a round) so that a fast input costs few thread hand-offs.
/// </summary>
internal sealed class InputQueue<T> : IDisposable
{
    private readonly BlockingCollection<List<Numbered<T>>> _chunks;
    private readonly CancellationTokenSource _stop = new();
    private readonly int _chunkSize;
    private List<Numbered<T>>? _pending;
    private int _pendingTaken;
    private Exception? _failure;

    public InputQueue(JsonLinesReader reader, Func<JsonLine, T> parse, int capacity)
    {
        // Two chunks queued, one being filled, one being taken from: capacity in all.
        _chunkSize = Math.Max(1, capacity / 4);
        _chunks = new BlockingCollection<List<Numbered<T>>>(2);
        new Thread(() => Produce(reader, parse)) { IsBackground = true, Name = "embedrt input" }.Start();
    }

    /// <summary>
    /// Fills <paramref name="round"/> with the next lines, calling <paramref name="beforeWaiting"/> first when
    /// none is ready yet. False once the input is over. A bad line is thrown after the lines before it were taken.
    /// </summary>
    public bool TakeRound(List<Numbered<T>> round, int size, Action? beforeWaiting = null)
    {
        round.Clear();
        if (_pending is null && !_chunks.TryTake(out _pending))
        {
            beforeWaiting?.Invoke();
            if (!_chunks.TryTake(out _pending, Timeout.Infinite))
            {
                if (_failure is not null) ExceptionDispatchInfo.Throw(_failure);
                return false;
            }
        }
        while (_pending is not null && round.Count < size)
        {
            int count = Math.Min(size - round.Count, _pending.Count - _pendingTaken);
            round.AddRange(_pending.GetRange(_pendingTaken, count));
            _pendingTaken += count;
            if (_pendingTaken < _pending.Count) break;
            _pendingTaken = 0;
            if (!_chunks.TryTake(out _pending)) _pending = null;
        }
        return true;
    }

    /// <summary>Stops the reader thread at its next chunk (it may still be blocked reading the stream).</summary>
    public void Dispose() => _stop.Cancel();

    private void Produce(JsonLinesReader reader, Func<JsonLine, T> parse)
    {
        var chunk = new List<Numbered<T>>();
        try
        {
            while (reader.TryRead(parse, out var record))
            {
                chunk.Add(new Numbered<T>(reader.LineNumber, record));
                if (chunk.Count < _chunkSize && reader.HasBufferedLine) continue;
                _chunks.Add(chunk, _stop.Token);
                chunk = [];
            }
        }
        catch (OperationCanceledException)
        {
            return;
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
            try
            {
                if (chunk.Count > 0 && !_stop.IsCancellationRequested) _chunks.Add(chunk, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            _chunks.CompleteAdding();
        }
    }
}
