#!/usr/bin/python3
"""Exports a BERT / XLM-RoBERTa model folder (safetensors, as make_model.py writes it) to ONNX, and optionally
writes float64 numpy reference outputs for a few random inputs.

ONNX: inputs input_ids, attention_mask, token_type_ids [batch, seq] int64 (dynamic axes), output
last_hidden_state [batch, seq, hidden] float32; weights in float32 whatever the stored dtype.

Reference JSON (like tests/fixtures/models/*.reference.json, token ids instead of texts): cases and pair_cases
with input_ids, token_type_ids, tokens, num_tokens, last_hidden_state (inputs up to --lhs-max-tokens), cls,
mean (raw), embedding (the folder's pooling, normalized when modules.json has Normalize).

Examples:
  export_onnx.py /tmp/tiny                         # writes /tmp/tiny/onnx/model.onnx
  export_onnx.py /tmp/tiny --reference /tmp/tiny.reference.json
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modelgen_common import TokenizerFacts, read_model_weights, strip_prefix  # noqa: E402
import numpy_encoder  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir")
    p.add_argument("--output", help="ONNX file (default: MODEL_DIR/onnx/model.onnx)")
    p.add_argument("--no-onnx", action="store_true", help="only write the reference")
    p.add_argument("--opset", type=int, help="ONNX opset (default: 12 for the fusable graph, 14 for --plain-graph)")
    p.add_argument("--plain-graph", action="store_true",
                   help="export the graph transformers' modeling_bert gives (ORT fuses less of it) instead of the "
                        "ORT-fusable one")
    p.add_argument("--reference", help="write float64 reference outputs to this JSON file")
    p.add_argument("--lengths", default="2,5,9,17,24,40",
                   help="token counts of the reference cases, special tokens included (comma-separated)")
    p.add_argument("--lhs-max-tokens", type=int, default=64,
                   help="store last_hidden_state for cases up to this many tokens")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


def load_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    config.setdefault("hidden_act", "gelu")
    config.setdefault("layer_norm_eps", 1e-12)
    config.setdefault("type_vocab_size", 2)
    config.setdefault("pad_token_id", 1 if config.get("model_type") == "xlm-roberta" else 0)
    return config


def sentence_transformers_pooling(model_dir):
    """(pooling 'cls'|'mean', normalize) from the sentence-transformers files; CLS without Normalize when absent."""
    pooling, normalize = "cls", False
    pooling_config = os.path.join(model_dir, "1_Pooling", "config.json")
    if os.path.exists(pooling_config):
        with open(pooling_config) as f:
            pooling = "mean" if json.load(f).get("pooling_mode_mean_tokens") else "cls"
    modules_path = os.path.join(model_dir, "modules.json")
    if os.path.exists(modules_path):
        with open(modules_path) as f:
            normalize = any(m["type"].endswith(".Normalize") for m in json.load(f))
    return pooling, normalize


def export(model, output, opset):
    import torch
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    dummy = torch.ones(2, 8, dtype=torch.long)
    dynamic = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            model, (dummy, dummy, torch.zeros_like(dummy)), output,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "token_type_ids": dynamic,
                          "last_hidden_state": dynamic},
            opset_version=opset, do_constant_folding=True)
    print(f"wrote {output} ({os.path.getsize(output) / 1e6:.1f} MB, opset {opset})", file=sys.stderr)


def make_cases(facts, lengths, max_tokens, with_pairs, rng):
    """Random-id inputs framed like the tokenizer frames them: [CLS] A [SEP]; pairs [CLS] A [SEP] B [SEP] with
    type ids 1 for B (only for models with token types, i.e. not XLM-R)."""
    singles = []
    for n in lengths:
        n = max(2, min(n, max_tokens))
        ids = [facts.cls_id] + facts.random_ids(rng, n - 2) + [facts.sep_id]
        singles.append((ids, [0] * len(ids)))
    pairs = []
    if with_pairs:
        for a, b in ((6, 9), (3, 14)):
            first, second = facts.random_ids(rng, a), facts.random_ids(rng, b)
            ids = [facts.cls_id] + first + [facts.sep_id] + second + [facts.sep_id]
            types = [0] * (a + 2) + [1] * (b + 1)
            pairs.append((ids, types))
    return singles, pairs


def reference_case(weights, config, facts, ids, types, pooling, normalize, lhs_max_tokens):
    lhs = numpy_encoder.encode(weights, config, ids, types)
    cls, mean = lhs[0], lhs.mean(axis=0)
    pooled = mean if pooling == "mean" else cls
    embedding = pooled / np.linalg.norm(pooled) if normalize else pooled
    case = {"input_ids": ids, "token_type_ids": types, "tokens": [facts.tokens.get(i, "") for i in ids],
            "num_tokens": len(ids)}
    if len(ids) <= lhs_max_tokens:
        case["last_hidden_state"] = lhs.tolist()
    case.update(cls=cls.tolist(), mean=mean.tolist(), embedding=embedding.tolist())
    return case, lhs


def torch_max_abs_diff(model, cases_with_lhs, dtype):
    """Largest |torch - numpy| over the cases, running the torch module in `dtype` one input at a time."""
    import torch
    model = model.to(dtype)
    worst = 0.0
    with torch.no_grad():
        for ids, types, lhs in cases_with_lhs:
            t_ids = torch.tensor([ids])
            out = model(t_ids, torch.ones_like(t_ids), torch.tensor([types]))[0].double().numpy()
            worst = max(worst, float(np.abs(out - lhs).max()))
    model.float()
    return worst


def write_reference(path, model_dir, config, weights, model, args):
    facts = TokenizerFacts(model_dir)
    pooling, normalize = sentence_transformers_pooling(model_dir)
    rng = np.random.default_rng(args.seed)
    max_tokens = config["max_position_embeddings"] - (config["pad_token_id"] + 1
                                                      if config["model_type"] == "xlm-roberta" else 0)
    lengths = [int(x) for x in args.lengths.split(",") if x.strip()]
    singles, pairs = make_cases(facts, lengths, max_tokens, config["type_vocab_size"] >= 2, rng)
    checked = []
    out_cases = {}
    for key, inputs in (("cases", singles), ("pair_cases", pairs)):
        out_cases[key] = []
        for ids, types in inputs:
            case, lhs = reference_case(weights, config, facts, ids, types, pooling, normalize, args.lhs_max_tokens)
            out_cases[key].append(case)
            checked.append((ids, types, lhs))
    document = {
        "model": os.path.basename(os.path.abspath(model_dir)),
        "generator": "float64 numpy reference (tools/modelgen/numpy_encoder.py), cross-checked against torch",
        "inputs": "random ordinary token ids framed with the tokenizer's CLS/SEP ids (no texts)",
        "config": {k: config[k] for k in ("model_type", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                           "intermediate_size", "hidden_act", "layer_norm_eps", "torch_dtype")
                   if k in config},
        "pooling": pooling,
        "normalize": normalize,
        **out_cases,
    }
    if model is not None:
        import torch
        document["cross_check_max_abs_diff"] = torch_max_abs_diff(model, checked, torch.float64)
        document["float32_torch_max_abs_diff_last_hidden_state"] = torch_max_abs_diff(model, checked, torch.float32)
        if document["cross_check_max_abs_diff"] > 1e-9:
            raise RuntimeError(f"torch float64 and numpy disagree by {document['cross_check_max_abs_diff']:.3g}")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    summary = {k: v for k, v in document.items() if k.endswith("diff") or k.endswith("state")}
    print(f"wrote {path}: {len(singles)} cases, {len(pairs)} pair cases {summary}", file=sys.stderr)


def main(argv=None):
    args = parse_args(argv)
    config = load_config(args.model_dir)
    if config.get("model_type") not in ("bert", "xlm-roberta"):
        sys.exit(f"{args.model_dir}/config.json: model_type {config.get('model_type')!r} is not bert or xlm-roberta")
    weights = strip_prefix(read_model_weights(args.model_dir))
    model = None
    try:
        import torch_encoder
        model = torch_encoder.build(config, weights, fusable=not args.plain_graph)
    except ImportError:
        if not args.no_onnx:
            raise
    if not args.no_onnx:
        opset = args.opset or (14 if args.plain_graph else 12)
        if not args.plain_graph and opset > 12:
            sys.exit("the fusable graph needs opset <= 12 (ORT's attention fusion matches Unsqueeze-11); "
                     "use --plain-graph for newer opsets")
        export(model, args.output or os.path.join(args.model_dir, "onnx", "model.onnx"), opset)
    if args.reference:
        write_reference(args.reference, args.model_dir, config, weights, model, args)


if __name__ == "__main__":
    main()
