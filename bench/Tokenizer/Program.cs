using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(EmbedRt.Bench.Tokenizer.TokenizerBenchmarks).Assembly).Run(args);
