using System.Diagnostics;
using System.Net;
using System.Text;

namespace EmbedRt.Bench.Serve;

/// <summary>
/// Closed-loop clients: each sends its next request when the previous answer arrives, until the phase time is up.
/// Requests still unanswered at twice the phase time are cancelled (the server drops them from its queue) and
/// counted apart. A client answered 429 backs off 50 ms. Bounded in time and in clients; loopback only.
/// </summary>
internal static class LoadRunner
{
    /// <summary>Clients POSTing JSON bodies made by <paramref name="body"/> (client, request number) to a loopback URL.</summary>
    public static async Task<LoadResult> HttpAsync(HttpClient http, string url, string label, int clients, TimeSpan duration,
        Func<int, int, string> body)
    {
        var result = new LoadResult(label, clients);
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(duration * 2);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (int n = 0; clock.Elapsed < duration; n++)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new StringContent(body(client, n), Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync(url, content, deadline.Token);
                    await response.Content.ReadAsByteArrayAsync(deadline.Token);
                    if (response.StatusCode == HttpStatusCode.OK) result.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    else if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        result.Refuse();
                        await Task.Delay(50, deadline.Token);
                    }
                    else result.Fail();
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    result.CancelOne();
                    return;
                }
                catch (HttpRequestException)
                {
                    result.Fail();
                }
            }
        })));
        result.Elapsed = clock.Elapsed;
        return result;
    }

    /// <summary>The same closed loop calling the library in-process: what the load costs without HTTP, JSON and the queue.</summary>
    public static async Task<LoadResult> LibraryAsync(EmbeddingModel model, string label, int clients, TimeSpan duration,
        Func<int, int, string> text)
    {
        var result = new LoadResult(label, clients);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(() =>
        {
            for (int n = 0; clock.Elapsed < duration; n++)
            {
                long start = Stopwatch.GetTimestamp();
                model.Embed([text(client, n)]);
                result.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })));
        result.Elapsed = clock.Elapsed;
        return result;
    }
}
