using System.Collections.Concurrent;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EmbedRt.Bench.Tokenizer;

/// <summary>Adds Tokens/op and Tokens/s columns; tokens are counted here, as benchmarks run in child processes.</summary>
public sealed class TokensPerSecondConfig : ManualConfig
{
    private static readonly ConcurrentDictionary<string, long> s_tokensPerOperation = new();

    public TokensPerSecondConfig() => AddColumn(new TokensColumn(perSecond: false), new TokensColumn(perSecond: true));

    private sealed class TokensColumn(bool perSecond) : IColumn
    {
        public string Id => perSecond ? "TokensPerSecond" : "TokensPerOp";
        public string ColumnName => perSecond ? "Tokens/s" : "Tokens/op";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => perSecond ? 1 : 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => perSecond ? "Tokens encoded per second, special tokens included" : "Tokens in one pass over the corpus";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            long tokens = s_tokensPerOperation.GetOrAdd((string)benchmarkCase.Parameters["Tokenizer"], TokenizerBenchmarks.CountTokens);
            if (!perSecond) return tokens.ToString("N0");
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            return (tokens / (stats.Mean / 1e9)).ToString("N0");
        }
    }
}
