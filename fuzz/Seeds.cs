using System.IO.Compression;
using System.Text;
using EmbedRt.Loader.Safetensors;

namespace EmbedRt.Fuzz;

/// <summary>The seed corpus: small valid inputs per target (and a few near-valid ones), so mutations start inside the formats.</summary>
internal static class Seeds
{
    public static void Write(string corpus)
    {
        void Seed(string target, string name, byte[] content)
        {
            Directory.CreateDirectory(Path.Combine(corpus, target));
            File.WriteAllBytes(Path.Combine(corpus, target, name), content);
        }
        void Text(string target, string name, string content) => Seed(target, name, Encoding.UTF8.GetBytes(content));

        var temp = Path.Combine(Path.GetTempPath(), "embedrt-seeds-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        var st = Path.Combine(temp, "m.safetensors");
        SafetensorsWriter.Write(st, [
            new("w", TensorData.FromFloats([1f, -2f, 0.5f, 3f, 4f, 5f], [2, 3])),
            new("h", TensorData.FromFloats([1f, 2f, 3f], [3], TensorDType.F16)),
            new("b", TensorData.FromFloats([1f, 2f], [2], TensorDType.BF16)),
            new("ids", TensorData.FromInt64([0, 1], [1, 2])),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        Seed("safetensors", "valid", File.ReadAllBytes(st));
        Seed("safetensors", "empty-tensor", Raw("""{"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   """, 4));
        Seed("safetensors", "misaligned-f16", Raw("""{"p":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"F16","shape":[2],"data_offsets":[1,5]}}""", 5));

        Text("safetensors-index", "valid", """{"metadata":{"total_size":8},"weight_map":{"w":"shard.safetensors"}}""");
        Text("safetensors-index", "missing-shard", """{"weight_map":{"w":"shard.safetensors","v":"other.safetensors"}}""");

        Seed("config", "model-config", [0, .. Encoding.UTF8.GetBytes("""{"model_type":"bert","hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":16,"vocab_size":100,"max_position_embeddings":64,"type_vocab_size":2,"hidden_act":"gelu","layer_norm_eps":1e-12,"pad_token_id":0}""")]);
        Seed("config", "modules", [1, .. Encoding.UTF8.GetBytes("""[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]""")]);
        Seed("config", "sentence-bert", [2, .. Encoding.UTF8.GetBytes("""{"max_seq_length":512,"do_lower_case":true}""")]);
        Seed("config", "st-config", [3, .. Encoding.UTF8.GetBytes("""{"prompts":{"query":"Represent: ","passage":""},"default_prompt_name":"query","similarity_fn_name":"cosine"}""")]);
        Seed("config", "pooling", [4, .. Encoding.UTF8.GetBytes("""{"word_embedding_dimension":8,"pooling_mode_cls_token":false,"pooling_mode_mean_tokens":true,"include_prompt":false}""")]);
        Seed("config", "tokenizer-config", [5, .. Encoding.UTF8.GetBytes("""{"do_lower_case":false,"strip_accents":null,"model_max_length":8192,"unk_token":{"content":"[UNK]"},"added_tokens_decoder":{"0":{"content":"[PAD]","special":true}}}""")]);
        Seed("config", "special-tokens", [6, .. Encoding.UTF8.GetBytes("""{"cls_token":"[CLS]","sep_token":{"content":"[SEP]","lstrip":false}}""")]);

        Text("tokenizer-json", "wordpiece", """
            {"added_tokens":[{"id":0,"content":"[PAD]","special":true},{"id":1,"content":"[UNK]","special":true},{"id":2,"content":"[CLS]","special":true},{"id":3,"content":"[SEP]","special":true},{"id":4,"content":"[MASK]","special":true,"lstrip":true,"single_word":false}],
             "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},
             "pre_tokenizer":{"type":"BertPreTokenizer"},
             "post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"[SEP]","type_id":0}}],"pair":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"[SEP]","type_id":0}},{"Sequence":{"id":"B","type_id":1}},{"SpecialToken":{"id":"[SEP]","type_id":1}}],"special_tokens":{"[CLS]":{"id":"[CLS]","ids":[2],"tokens":["[CLS]"]},"[SEP]":{"id":"[SEP]","ids":[3],"tokens":["[SEP]"]}}},
             "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"[MASK]":4,"hello":5,",":6,"world":7,"!":8,"##s":9,"a":10,"你":11,"好":12,"tok":13}}}
            """);
        Text("tokenizer-json", "unigram", """
            {"added_tokens":[{"id":0,"content":"<s>","special":true},{"id":1,"content":"<pad>","special":true},{"id":2,"content":"</s>","special":true},{"id":3,"content":"<unk>","special":true},{"id":8,"content":"<mask>","special":true,"lstrip":true}],
             "normalizer":{"type":"Sequence","normalizers":[{"type":"Strip","strip_left":false,"strip_right":true},{"type":"Replace","pattern":{"Regex":" {2,}"},"content":"\u2581"},{"type":"Lowercase"}]},
             "pre_tokenizer":{"type":"Metaspace","replacement":"\u2581","prepend_scheme":"always","split":true},
             "post_processor":{"type":"RobertaProcessing","sep":["</s>",2],"cls":["<s>",0],"trim_offsets":true,"add_prefix_space":true},
             "model":{"type":"Unigram","unk_id":3,"vocab":[["<s>",0.0],["<pad>",0.0],["</s>",0.0],["<unk>",0.0],["\u2581",-1.5],["\u2581hello",-3.0],["o",-4.0],["l",-4.5],["<mask>",0.0]]}}
            """);

        Text("vocab-txt", "bert", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n,\nworld\n!\n##s\na\n你\n好\n");
        Text("vocab-txt", "crlf", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nx\r\n##y");

        Seed("sentencepiece", "unigram", SentencePieceModel());

        var pickle = Pickle();
        Seed("pickle", "state-dict", pickle);
        Seed("pickle", "hostile-global", Encoding.Latin1.GetBytes("\u0080\u0002cos\nsystem\nX\u0004\u0000\u0000\u0000true\u0085R."));

        var zipPath = Path.Combine(temp, "head.pt");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            void Entry(string name, byte[] bytes)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                stream.Write(bytes);
            }
            Entry("head/data.pkl", pickle);
            Entry("head/data/0", new byte[2 * 64 * 4]);
            Entry("head/data/1", new byte[2 * 4]);
        }
        Seed("torch-zip", "head", File.ReadAllBytes(zipPath));

        Seed("jsonl", "texts", [0, .. Encoding.UTF8.GetBytes("\uFEFF\"hello\"\r\n{\"text\": \"a\", \"pair\": \"b\"}\n\"\\u00e9\\ud83d\\ude00\"\n")]);
        Seed("jsonl", "text", [1, .. Encoding.UTF8.GetBytes("{\"text\": \"你好\"}\n\"x\"")]);
        Seed("jsonl", "rerank", [2, .. Encoding.UTF8.GetBytes("{\"query\": \"q\", \"texts\": [\"a\", \"b\"]}\n")]);
        Seed("jsonl", "bad-lines", [0, .. Encoding.UTF8.GetBytes("\"ok\"\n{\"text\":\"a\",\"text\":\"b\"}\n")]);
        Directory.Delete(temp, recursive: true);
    }

    private static byte[] Raw(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. new byte[dataBytes]];
    }

    /// <summary>A state dict {"weight": [2, 64], "bias": [2]} of float storages, as torch.save pickles it (protocol 2).</summary>
    private static byte[] Pickle()
    {
        var p = new MemoryStream();
        void Op(byte op) => p.WriteByte(op);
        void Str(string s) { var b = Encoding.UTF8.GetBytes(s); Op(0x8c); Op((byte)b.Length); p.Write(b); }
        void Int(int v) { Op((byte)'K'); Op((byte)v); }
        Op(0x80); Op(2);
        p.Write("ccollections\nOrderedDict\n"u8); Op((byte)')'); Op((byte)'R'); Op((byte)'q'); Op(0);
        foreach (var (name, key, numel, shape) in new[] { ("weight", "0", 128, new[] { 2, 64 }), ("bias", "1", 2, new[] { 2 }) })
        {
            Str(name);
            p.Write("ctorch._utils\n_rebuild_tensor_v2\n"u8);
            Op((byte)'(');
            Op((byte)'('); Str("storage"); p.Write("ctorch\nFloatStorage\n"u8); Str(key); Str("cpu"); Int(numel); Op((byte)'t'); Op((byte)'Q');
            Int(0);
            Op((byte)'('); foreach (var d in shape) Int(d); Op((byte)'t');
            Op((byte)'('); if (shape.Length == 2) { Int(64); Int(1); } else Int(1); Op((byte)'t');
            Op((byte)'t'); Op((byte)'R');
            Op((byte)'s');
        }
        Op((byte)'.');
        return p.ToArray();
    }

    /// <summary>A minimal SentencePiece ModelProto: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt; and a few scored pieces, Unigram, no charsmap.</summary>
    private static byte[] SentencePieceModel()
    {
        var model = new MemoryStream();
        void Field(MemoryStream to, int number, byte[] bytes) { to.WriteByte((byte)(number << 3 | 2)); to.WriteByte((byte)bytes.Length); to.Write(bytes); }
        foreach (var (piece, score, type) in new[] { ("<unk>", 0f, 2), ("<s>", 0f, 3), ("</s>", 0f, 3), ("\u2581", -1f, 1), ("\u2581hello", -2f, 1), ("o", -3f, 1), ("l", -3.5f, 1), ("你", -4f, 1) })
        {
            var entry = new MemoryStream();
            Field(entry, 1, Encoding.UTF8.GetBytes(piece));
            entry.WriteByte(2 << 3 | 5); entry.Write(BitConverter.GetBytes(score));
            entry.WriteByte(3 << 3); entry.WriteByte((byte)type);
            Field(model, 1, entry.ToArray());
        }
        Field(model, 2, [3 << 3, 1]);                 // trainer_spec.model_type = UNIGRAM
        Field(model, 3, [3 << 3, 1, 4 << 3, 1]);      // normalizer_spec: add_dummy_prefix, remove_extra_whitespaces
        return model.ToArray();
    }
}
