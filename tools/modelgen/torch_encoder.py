"""Hand-written torch BERT / XLM-RoBERTa encoder (post-LN), shaped like Hugging Face's modeling_bert so that
the exported ONNX graph has the patterns ONNX Runtime's fusions (attention, GELU, LayerNorm) look for.

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


class SelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        h = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.head_dim = h // self.heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)

    def split_heads(self, x):
        return x.view(x.size()[:-1] + (self.heads, self.head_dim)).permute(0, 2, 1, 3)

    def forward(self, x, additive_mask):
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(x))
        v = self.split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = nn.functional.softmax(scores + additive_mask, dim=-1)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (self.heads * self.head_dim,))


class DenseResidualNorm(nn.Module):
    """dense -> + residual -> LayerNorm (BertSelfOutput / BertOutput)."""

    def __init__(self, in_features, out_features, eps):
        super().__init__()
        self.dense = nn.Linear(in_features, out_features)
        self.LayerNorm = nn.LayerNorm(out_features, eps=eps)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        h = config["hidden_size"]
        self.self = SelfAttention(config)  # Hugging Face's name: attention.self.query ...
        self.output = DenseResidualNorm(h, h, config["layer_norm_eps"])

    def forward(self, x, additive_mask):
        return self.output(self.self(x, additive_mask), x)


class Intermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config["hidden_size"], config["intermediate_size"])
        self.act = config["hidden_act"]
        if self.act not in ("gelu", "gelu_new"):
            raise ValueError(f"unsupported hidden_act {self.act!r}")

    def forward(self, x):
        x = self.dense(x)
        if self.act == "gelu":
            return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Layer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = Attention(config)
        self.intermediate = Intermediate(config)
        self.output = DenseResidualNorm(config["intermediate_size"], config["hidden_size"], config["layer_norm_eps"])

    def forward(self, x, additive_mask):
        attended = self.attention(x, additive_mask)
        return self.output(self.intermediate(attended), attended)


class Encoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList(Layer(config) for _ in range(config["num_hidden_layers"]))

    def forward(self, x, additive_mask):
        for layer in self.layer:
            x = layer(x, additive_mask)
        return x


class BertEncoderModel(nn.Module):
    """BertModel / XLMRobertaModel without the pooler; parameter names match the checkpoint's."""

    def __init__(self, config):
        super().__init__()
        self.embeddings = Embeddings(config)
        self.encoder = Encoder(config)

    def forward(self, input_ids, attention_mask, token_type_ids):
        dtype = self.embeddings.word_embeddings.weight.dtype
        additive_mask = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        return self.encoder(self.embeddings(input_ids, token_type_ids), additive_mask)


def build(config, weights):
    """The module with the given float64 numpy weights (names without prefix), in float32."""
    model = BertEncoderModel(config)
    state = model.state_dict()
    missing = [name for name in state if name not in weights]
    if missing:
        raise KeyError(f"weights missing from the checkpoint: {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    for name, tensor in state.items():
        if tuple(weights[name].shape) != tuple(tensor.shape):
            raise ValueError(f"{name}: checkpoint shape {weights[name].shape} != expected {tuple(tensor.shape)}")
    model.load_state_dict({name: torch.from_numpy(weights[name]).float() for name in state})
    return model.eval()
