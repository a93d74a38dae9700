using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(EmbedRt.Bench.Embed.EmbedBenchmarks).Assembly).Run(args);
