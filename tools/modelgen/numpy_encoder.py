"""Float64 numpy forward pass of a post-LN BERT / XLM-RoBERTa encoder: the reference the other engines are checked against.

Deliberately written independently of the torch module in torch_encoder.py (no shared code), so the two
cross-check each other.
"""
import math

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x, act):
    if act == "gelu":  # exact form
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))
    if act == "gelu_new":  # tanh approximation (GPT-2 / "gelu_new")
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    raise ValueError(f"unsupported hidden_act {act!r}")


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def position_ids(input_ids, config):
    """BERT numbers positions 0..n-1; XLM-R numbers non-pad tokens from pad_token_id+1 (pads keep pad_token_id)."""
    if config["model_type"] == "xlm-roberta":
        pad = config["pad_token_id"]
        not_pad = (np.asarray(input_ids) != pad).astype(np.int64)
        return np.cumsum(not_pad) * not_pad + pad
    return np.arange(len(input_ids))


def encode(weights, config, input_ids, token_type_ids):
    """last_hidden_state [seq, hidden] of one unpadded input."""
    w = weights
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    hidden = config["hidden_size"]
    head_dim = hidden // heads
    ids = np.asarray(input_ids)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][position_ids(ids, config)]
         + w["embeddings.token_type_embeddings.weight"][np.asarray(token_type_ids)])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    seq = len(ids)

    def dense(name, v):
        return v @ w[name + ".weight"].T + w[name + ".bias"]

    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (dense(p + "attention.self." + n, x).reshape(seq, heads, head_dim).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(seq, hidden)
        x = layer_norm(dense(p + "attention.output.dense", context) + x,
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        inner = gelu(dense(p + "intermediate.dense", x), config["hidden_act"])
        x = layer_norm(dense(p + "output.dense", inner) + x,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x
