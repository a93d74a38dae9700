"""Hand-written torch BERT / XLM-RoBERTa encoder (post-LN) with Hugging Face's parameter names.

Two graph styles for the ONNX export:
- fusable (default): the subgraph shapes ONNX Runtime's in-session fusions look for (Attention,
  SkipLayerNormalization, LayerNormalization, BiasGelu): constant-shape Reshapes ([0, -1, N, H]), K transposed
  with perm (0, 2, 3, 1), context Reshape [0, 0, -1], scores divided by sqrt(H), mask (1 - Cast(Unsqueeze(Unsqueeze(mask)))) * -10000;
  needs opset <= 12 (Unsqueeze with an axes attribute). This is the graph ORT runs fastest, as with an
  offline-optimized model.
- plain: what transformers' modeling_bert exports today (shape-computed Reshapes, finfo.min mask), which ORT's
  in-session optimizer only partly fuses.

Inputs input_ids, attention_mask, token_type_ids [batch, seq] int64; output last_hidden_state [batch, seq, hidden].
"""
import math

import torch
from torch import nn


class Embeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        h = config["hidden_size"]
        self.word_embeddings = nn.Embedding(config["vocab_size"], h)
        self.position_embeddings = nn.Embedding(config["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(config["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=config["layer_norm_eps"])
        self.xlmr = config["model_type"] == "xlm-roberta"
        self.pad = config["pad_token_id"]

    def forward(self, input_ids, token_type_ids):
        if self.xlmr:
            # Non-pad tokens are numbered from pad+1; pads keep position pad (as create_position_ids_from_input_ids).
            not_pad = input_ids.ne(self.pad).int()
            positions = (torch.cumsum(not_pad, dim=1).type_as(not_pad) * not_pad).long() + self.pad
        else:
            positions = torch.arange(input_ids.size(1), dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids) + \
            self.position_embeddings(positions)
        return self.LayerNorm(x)


class Linear(nn.Linear):
    """nn.Linear exported as Add(MatMul(x, W^T), bias): ORT's fusions want the MatMul as the Add's first input,
    torch's own linear export puts the bias first."""

    def forward(self, x):
        return torch.matmul(x, self.weight.t()) + self.bias


class ConstantShapeReshape(torch.autograd.Function):
    """Reshape exported with a constant shape in ONNX semantics (0 keeps that input dimension), where
    torch.view would export a Shape/Gather/Concat computation the fusions do not recognise."""

    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape([x.size(i) if d == 0 else d for i, d in enumerate(shape)])  # -1 as in torch

    @staticmethod
    def symbolic(g, x, shape):
        return g.op("Reshape", x, g.op("Constant", value_t=torch.tensor(shape, dtype=torch.long)))


class SelfAttention(nn.Module):
    def __init__(self, config, fusable):
        super().__init__()
        h = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.head_dim = h // self.heads
        self.query = Linear(h, h)
        self.key = Linear(h, h)
        self.value = Linear(h, h)
        self.fusable = fusable

    def split_heads(self, x, perm):
        if self.fusable:
            return ConstantShapeReshape.apply(x, (0, -1, self.heads, self.head_dim)).permute(*perm)
        return x.view(x.size()[:-1] + (self.heads, self.head_dim)).permute(*perm)

    def forward(self, x, additive_mask):
        q = self.split_heads(self.query(x), (0, 2, 1, 3))
        k_transposed = self.split_heads(self.key(x), (0, 2, 3, 1))
        v = self.split_heads(self.value(x), (0, 2, 1, 3))
        scores = torch.matmul(q, k_transposed) / math.sqrt(self.head_dim)
        probs = nn.functional.softmax(scores + additive_mask, dim=-1)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3)
        if self.fusable:
            return ConstantShapeReshape.apply(context, (0, 0, -1))
        return context.contiguous().view(context.size()[:-2] + (self.heads * self.head_dim,))


class DenseResidualNorm(nn.Module):
    """dense -> + residual -> LayerNorm (BertSelfOutput / BertOutput)."""

    def __init__(self, in_features, out_features, eps):
        super().__init__()
        self.dense = Linear(in_features, out_features)
        self.LayerNorm = nn.LayerNorm(out_features, eps=eps)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, config, fusable):
        super().__init__()
        h = config["hidden_size"]
        self.self = SelfAttention(config, fusable)  # Hugging Face's name: attention.self.query ...
        self.output = DenseResidualNorm(h, h, config["layer_norm_eps"])

    def forward(self, x, additive_mask):
        return self.output(self.self(x, additive_mask), x)


class Intermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = Linear(config["hidden_size"], config["intermediate_size"])
        self.act = config["hidden_act"]
        if self.act not in ("gelu", "gelu_new"):
            raise ValueError(f"unsupported hidden_act {self.act!r}")

    def forward(self, x):
        x = self.dense(x)
        if self.act == "gelu":
            return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Layer(nn.Module):
    def __init__(self, config, fusable):
        super().__init__()
        self.attention = Attention(config, fusable)
        self.intermediate = Intermediate(config)
        self.output = DenseResidualNorm(config["intermediate_size"], config["hidden_size"], config["layer_norm_eps"])

    def forward(self, x, additive_mask):
        attended = self.attention(x, additive_mask)
        return self.output(self.intermediate(attended), attended)


class Encoder(nn.Module):
    def __init__(self, config, fusable):
        super().__init__()
        self.layer = nn.ModuleList(Layer(config, fusable) for _ in range(config["num_hidden_layers"]))

    def forward(self, x, additive_mask):
        for layer in self.layer:
            x = layer(x, additive_mask)
        return x


class BertEncoderModel(nn.Module):
    """BertModel / XLMRobertaModel without the pooler; parameter names match the checkpoint's."""

    def __init__(self, config, fusable):
        super().__init__()
        self.embeddings = Embeddings(config)
        self.encoder = Encoder(config, fusable)
        self.fusable = fusable

    def forward(self, input_ids, attention_mask, token_type_ids):
        dtype = self.embeddings.word_embeddings.weight.dtype
        if self.fusable:
            additive_mask = (1.0 - attention_mask.unsqueeze(1).unsqueeze(2).to(dtype)) * -10000.0
        else:
            additive_mask = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        return self.encoder(self.embeddings(input_ids, token_type_ids), additive_mask)


def build(config, weights, fusable=True):
    """The module with the given float64 numpy weights (names without prefix), in float32."""
    model = BertEncoderModel(config, fusable)
    state = model.state_dict()
    missing = [name for name in state if name not in weights]
    if missing:
        raise KeyError(f"weights missing from the checkpoint: {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    for name, tensor in state.items():
        if tuple(weights[name].shape) != tuple(tensor.shape):
            raise ValueError(f"{name}: checkpoint shape {weights[name].shape} != expected {tuple(tensor.shape)}")
    model.load_state_dict({name: torch.from_numpy(weights[name]).float() for name in state})
    return model.eval()
