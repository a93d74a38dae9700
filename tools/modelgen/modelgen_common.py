"""Shared pieces of the model generator tools: shape presets, safetensors I/O, tokenizer facts.

Runs on Debian's python3 with python3-numpy only (torch is needed by export_onnx.py alone).
"""
import json
import os
import struct

import numpy as np

# Architecture presets. Values mirror the public configs of the named models.
PRESETS = {
    "tiny": dict(hidden=64, layers=2, heads=4, intermediate=136, max_positions=128),
    "bge-small": dict(hidden=384, layers=12, heads=12, intermediate=1536, max_positions=512),
    "bert-base": dict(hidden=768, layers=12, heads=12, intermediate=3072, max_positions=512),
}

# safetensors dtype name -> (numpy storage dtype, bytes per element)
_STORAGE = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64, "I64": np.int64}


def to_storage(values, dtype):
    """Converts float values to the stored representation of a safetensors dtype (BF16 rounds to nearest even)."""
    f32 = np.ascontiguousarray(values, dtype=np.float32)
    if dtype == "F32":
        return f32
    if dtype == "F16":
        return f32.astype(np.float16)
    if dtype == "BF16":
        bits = f32.view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        return rounded.astype(np.uint16)
    raise ValueError(f"unsupported dtype {dtype!r} (expected F32, F16 or BF16)")


def from_storage(raw, dtype):
    """Decodes stored safetensors data to float64 (the exact values the file holds)."""
    if dtype == "BF16":
        return (raw.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return raw.astype(np.float64)


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: (dtype, ndarray in storage form)} in the safetensors layout:
    8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, then the data."""
    header = {"__metadata__": metadata or {"format": "pt"}}
    offset = 0
    for name, (dtype, data) in tensors.items():
        size = data.nbytes
        header[name] = {"dtype": dtype, "shape": list(data.shape), "data_offsets": [offset, offset + size]}
        offset += size
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # data starts 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for _, (_, data) in tensors.items():
            f.write(np.ascontiguousarray(data).tobytes())
    return offset


def read_safetensors(path):
    """Reads a safetensors file into {name: float64 ndarray} (integer tensors are kept as int64)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        base = 8 + header_len
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype = info["dtype"]
            if dtype not in _STORAGE:
                raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
            start, end = info["data_offsets"]
            f.seek(base + start)
            raw = np.frombuffer(f.read(end - start), dtype=_STORAGE[dtype]).reshape(info["shape"])
            out[name] = raw.astype(np.int64) if dtype == "I64" else from_storage(raw, dtype)
        return out


def read_model_weights(model_dir):
    """Loads all weights of a model folder (single file or sharded with model.safetensors.index.json)."""
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights = {}
    for name in files:
        weights.update(read_safetensors(os.path.join(model_dir, name)))
    return weights


def strip_prefix(weights):
    """Drops a `bert.` / `roberta.` prefix so names read like BertModel's own."""
    for prefix in ("bert.", "roberta."):
        if any(k.startswith(prefix + "embeddings.") for k in weights):
            return {k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}
    return weights


class TokenizerFacts:
    """Vocabulary size and special token ids of a tokenizer folder (tokenizer.json, else vocab.txt)."""

    CLS_NAMES = ("[CLS]", "<s>")
    SEP_NAMES = ("[SEP]", "</s>")
    PAD_NAMES = ("[PAD]", "<pad>")

    def __init__(self, folder):
        self.tokens = {}  # id -> token string
        tok_json = os.path.join(folder, "tokenizer.json")
        vocab_txt = os.path.join(folder, "vocab.txt")
        if os.path.exists(tok_json):
            with open(tok_json, encoding="utf-8") as f:
                tj = json.load(f)
            vocab = tj["model"]["vocab"]
            if isinstance(vocab, dict):  # WordPiece / BPE: token -> id
                self.tokens = {i: t for t, i in vocab.items()}
            else:  # Unigram: [[token, score], ...]
                self.tokens = {i: entry[0] for i, entry in enumerate(vocab)}
            for added in tj.get("added_tokens", []):
                self.tokens[added["id"]] = added["content"]
            self.special_ids = {a["id"] for a in tj.get("added_tokens", []) if a.get("special")}
        elif os.path.exists(vocab_txt):
            with open(vocab_txt, encoding="utf-8") as f:
                self.tokens = {i: line.rstrip("\n") for i, line in enumerate(f)}
            self.special_ids = {i for i, t in self.tokens.items() if t.startswith("[") and t.endswith("]")}
        else:
            raise FileNotFoundError(f"{folder}: neither tokenizer.json nor vocab.txt found")
        self.vocab_size = max(self.tokens) + 1
        by_token = {t: i for i, t in self.tokens.items()}
        self.cls_id = self._find(by_token, self.CLS_NAMES, folder)
        self.sep_id = self._find(by_token, self.SEP_NAMES, folder)
        self.pad_id = self._find(by_token, self.PAD_NAMES, folder)
        self.special_ids |= {self.cls_id, self.sep_id, self.pad_id}

    def random_ids(self, rng, count):
        """`count` uniformly drawn ids of ordinary (non-special) tokens."""
        ids = []
        while len(ids) < count:
            candidate = int(rng.integers(0, self.vocab_size))
            if candidate not in self.special_ids and candidate in self.tokens:
                ids.append(candidate)
        return ids

    @staticmethod
    def _find(by_token, names, folder):
        for name in names:
            if name in by_token:
                return by_token[name]
        raise ValueError(f"{folder}: none of the special tokens {names} is in the vocabulary")
