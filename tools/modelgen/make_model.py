#!/usr/bin/python3
"""Writes a random-weight BERT / XLM-RoBERTa model folder in exact Hugging Face / sentence-transformers layout.

Weights follow BERT's initialisation (N(0, 0.02)), LayerNorm weights 1 + small noise, so activations look like a
real model's. Tokenizer files are copied from a tokenizer folder; the vocabulary size is taken from it.

Examples:
  make_model.py --out /tmp/bge-small --preset bge-small
  make_model.py --out /tmp/tiny --preset tiny --dtype BF16 --prefix bert. --shards 2 --hidden-act gelu_new
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modelgen_common import PRESETS, TokenizerFacts, to_storage, write_safetensors  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_TOKENIZER = os.path.join(REPO_ROOT, "tests", "fixtures", "tokenizers", "bert-base-uncased")
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "sentencepiece.bpe.model")
TORCH_DTYPE_NAMES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output folder (created; existing files are overwritten)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny", help="architecture shape")
    p.add_argument("--model-type", choices=("bert", "xlm-roberta"), default="bert")
    p.add_argument("--hidden", type=int, help="hidden size (overrides the preset)")
    p.add_argument("--layers", type=int, help="number of encoder layers (overrides the preset)")
    p.add_argument("--heads", type=int, help="attention heads (overrides the preset)")
    p.add_argument("--intermediate", type=int, help="FFN size (overrides the preset)")
    p.add_argument("--max-positions", type=int,
                   help="longest input in tokens (overrides the preset); XLM-R adds pad_token_id+1 to the table")
    p.add_argument("--type-vocab-size", type=int, help="token type count (default: 2 for bert, 1 for xlm-roberta)")
    p.add_argument("--layer-norm-eps", type=float, help="default: 1e-12 for bert, 1e-5 for xlm-roberta")
    p.add_argument("--hidden-act", choices=("gelu", "gelu_new"), default="gelu")
    p.add_argument("--dtype", choices=sorted(TORCH_DTYPE_NAMES), default="F32", help="stored weight type")
    p.add_argument("--prefix", choices=("none", "bert.", "roberta."), default="none", help="tensor-name prefix")
    p.add_argument("--shards", type=int, default=1, help="split weights into N files with an index json")
    p.add_argument("--no-pooler", action="store_true", help="leave out pooler.dense (BertModel checkpoints have it)")
    p.add_argument("--tokenizer-dir", default=DEFAULT_TOKENIZER, help="folder whose tokenizer files are copied")
    p.add_argument("--pooling", choices=("mean", "cls"), default="mean", help="sentence-transformers pooling")
    p.add_argument("--no-normalize", action="store_true", help="leave the Normalize module out of modules.json")
    p.add_argument("--max-seq-length", type=int, help="sentence_bert_config max_seq_length (default: max positions)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    shape = dict(PRESETS[args.preset])
    for key in ("hidden", "layers", "heads", "intermediate", "max_positions"):
        if getattr(args, key) is not None:
            shape[key] = getattr(args, key)
    if shape["hidden"] % shape["heads"] != 0:
        p.error(f"hidden size {shape['hidden']} is not a multiple of the head count {shape['heads']}")
    if args.shards < 1:
        p.error("--shards must be at least 1")
    args.shape = shape
    return args


def make_config(args, facts):
    s = args.shape
    xlmr = args.model_type == "xlm-roberta"
    # XLM-R numbers positions from pad_token_id+1, so its table is longer than the longest input.
    positions = s["max_positions"] + (facts.pad_id + 1 if xlmr else 0)
    config = {
        "architectures": ["XLMRobertaModel" if xlmr else "BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": args.hidden_act,
        "hidden_dropout_prob": 0.1,
        "hidden_size": s["hidden"],
        "initializer_range": 0.02,
        "intermediate_size": s["intermediate"],
        "layer_norm_eps": args.layer_norm_eps if args.layer_norm_eps is not None else (1e-5 if xlmr else 1e-12),
        "max_position_embeddings": positions,
        "model_type": args.model_type,
        "num_attention_heads": s["heads"],
        "num_hidden_layers": s["layers"],
        "pad_token_id": facts.pad_id,
        "position_embedding_type": "absolute",
        "torch_dtype": TORCH_DTYPE_NAMES[args.dtype],
        "transformers_version": "4.41.2",
        "type_vocab_size": args.type_vocab_size if args.type_vocab_size is not None else (1 if xlmr else 2),
        "use_cache": True,
        "vocab_size": facts.vocab_size,
    }
    if xlmr:
        config["bos_token_id"] = facts.cls_id
        config["eos_token_id"] = facts.sep_id
    return config


def make_weights(config, with_pooler, rng):
    """Random weights with Hugging Face BertModel names (no prefix), float32."""
    h, ffn = config["hidden_size"], config["intermediate_size"]

    def normal(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)

    def layer_norm(name):
        return {f"{name}.weight": 1.0 + normal(h), f"{name}.bias": normal(h)}

    def dense(name, out_features, in_features):
        return {f"{name}.weight": normal(out_features, in_features), f"{name}.bias": normal(out_features)}

    w = {
        "embeddings.word_embeddings.weight": normal(config["vocab_size"], h),
        "embeddings.position_embeddings.weight": normal(config["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": normal(config["type_vocab_size"], h),
    }
    w.update(layer_norm("embeddings.LayerNorm"))
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for proj in ("query", "key", "value"):
            w.update(dense(p + "attention.self." + proj, h, h))
        w.update(dense(p + "attention.output.dense", h, h))
        w.update(layer_norm(p + "attention.output.LayerNorm"))
        w.update(dense(p + "intermediate.dense", ffn, h))
        w.update(dense(p + "output.dense", h, ffn))
        w.update(layer_norm(p + "output.LayerNorm"))
    if with_pooler:
        w.update(dense("pooler.dense", h, h))
    return w


def split_shards(names, sizes, count):
    """Splits tensor names, in order, into `count` groups of about equal byte size (none empty)."""
    count = min(count, len(names))
    target = sum(sizes) / count
    groups, current, current_size = [], [], 0
    for i, (name, size) in enumerate(zip(names, sizes)):
        groups_after_current = count - len(groups) - 1
        must_close = len(names) - i <= groups_after_current  # every later group still needs a tensor
        may_close = groups_after_current > 0 and current_size + size / 2 > target
        if current and (must_close or may_close):
            groups.append(current)
            current, current_size = [], 0
        current.append(name)
        current_size += size
    groups.append(current)
    return groups


def write_weights(out, weights, dtype, prefix, shards):
    stored = {prefix + name: (dtype, to_storage(value, dtype)) for name, value in weights.items()}
    if shards == 1:
        write_safetensors(os.path.join(out, "model.safetensors"), stored)
        return
    names = list(stored)
    groups = split_shards(names, [stored[n][1].nbytes for n in names], shards)
    weight_map, total = {}, 0
    for index, group in enumerate(groups, start=1):
        file_name = f"model-{index:05d}-of-{len(groups):05d}.safetensors"
        total += write_safetensors(os.path.join(out, file_name), {n: stored[n] for n in group})
        weight_map.update({n: file_name for n in group})
    write_json(os.path.join(out, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})


def write_sentence_transformers_files(out, args, hidden, max_seq_length):
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    if not args.no_normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(out, "modules.json"), modules)
    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    write_json(os.path.join(out, "1_Pooling", "config.json"), {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": args.pooling == "cls",
        "pooling_mode_mean_tokens": args.pooling == "mean",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    write_json(os.path.join(out, "sentence_bert_config.json"),
               {"max_seq_length": max_seq_length, "do_lower_case": False})
    write_json(os.path.join(out, "config_sentence_transformers.json"), {
        "__version__": {"sentence_transformers": "3.0.1", "transformers": "4.41.2", "pytorch": "2.3.1"},
        "prompts": {}, "default_prompt_name": None, "similarity_fn_name": "cosine",
    })


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main(argv=None):
    args = parse_args(argv)
    facts = TokenizerFacts(args.tokenizer_dir)
    os.makedirs(args.out, exist_ok=True)
    copied = [n for n in TOKENIZER_FILES if os.path.exists(os.path.join(args.tokenizer_dir, n))]
    for name in copied:
        shutil.copyfile(os.path.join(args.tokenizer_dir, name), os.path.join(args.out, name))

    config = make_config(args, facts)
    write_json(os.path.join(args.out, "config.json"), config)
    weights = make_weights(config, not args.no_pooler, np.random.default_rng(args.seed))
    prefix = "" if args.prefix == "none" else args.prefix
    write_weights(args.out, weights, args.dtype, prefix, args.shards)
    max_seq_length = args.max_seq_length or args.shape["max_positions"]
    write_sentence_transformers_files(args.out, args, config["hidden_size"], max_seq_length)

    params = sum(v.size for v in weights.values())
    print(f"wrote {args.out}: {config['model_type']} hidden {config['hidden_size']}, "
          f"{config['num_hidden_layers']} layers, {config['num_attention_heads']} heads, "
          f"FFN {config['intermediate_size']}, vocab {config['vocab_size']}, {params / 1e6:.1f}M params, "
          f"{args.dtype}, {args.shards} file(s), tokenizer files {', '.join(copied)}", file=sys.stderr)


if __name__ == "__main__":
    main()
