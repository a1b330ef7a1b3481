"""Meta's original checkpoint layout, written from a Hugging Face Llama folder, for tests.

`write_meta_folder(hf_folder, out, shards=N)` writes params.json and consolidated.NN.pth as
Meta's llama/model.py and its model-parallel layers read them: q/k rows back in Meta's
interleaved RoPE order, each tensor split across N ranks along the dimension its parallel layer
splits (column-parallel wq/wk/wv/w1/w3/output by rows, row-parallel wo/w2 by columns, the
embedding by columns as Llama 2's ParallelEmbedding or by rows as Llama 3's
VocabParallelEmbedding), norms copied to every rank.
"""

from __future__ import annotations

import json
import os

# HF name suffix -> (Meta name suffix, split dimension; None: replicated).
_LAYER_TENSORS = {
    "input_layernorm.weight": ("attention_norm.weight", None),
    "self_attn.q_proj.weight": ("attention.wq.weight", 0),
    "self_attn.k_proj.weight": ("attention.wk.weight", 0),
    "self_attn.v_proj.weight": ("attention.wv.weight", 0),
    "self_attn.o_proj.weight": ("attention.wo.weight", 1),
    "post_attention_layernorm.weight": ("ffn_norm.weight", None),
    "mlp.gate_proj.weight": ("feed_forward.w1.weight", 0),
    "mlp.up_proj.weight": ("feed_forward.w3.weight", 0),
    "mlp.down_proj.weight": ("feed_forward.w2.weight", 1),
}


def meta_params(config: dict) -> dict:
    """params.json for a HF config.json: Meta's code derives the feed-forward size from dim,
    multiple_of and ffn_dim_multiplier, so those are chosen to give intermediate_size."""
    dim, inter = config["hidden_size"], config["intermediate_size"]
    params = {"dim": dim, "n_layers": config["num_hidden_layers"],
              "n_heads": config["num_attention_heads"],
              "n_kv_heads": config.get("num_key_value_heads") or config["num_attention_heads"],
              "vocab_size": config["vocab_size"], "norm_eps": config["rms_norm_eps"],
              "rope_theta": config.get("rope_theta", 10000.0)}
    base = int(2 * (4 * dim) / 3)
    if inter == 32 * -(-base // 32):
        params["multiple_of"] = 32
    else:
        params["multiple_of"] = inter
        params["ffn_dim_multiplier"] = inter / base
    scaling = config.get("rope_scaling")
    if scaling:
        scaling = {k: v for k, v in scaling.items() if k != "rope_theta"}
        assert scaling == {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                           "high_freq_factor": 4.0,
                           "original_max_position_embeddings": 8192}, scaling
        params["use_scaled_rope"] = True
    assert not config.get("tie_word_embeddings"), "Meta's checkpoints keep output.weight"
    return params


def _interleave(w, heads: int):
    """HF rotate-half rows (i, i + d/2) back to Meta's interleaved pairs (2i, 2i+1), per head."""
    rows, cols = w.shape
    return w.view(heads, 2, rows // heads // 2, cols).transpose(1, 2).reshape(rows, cols)


def meta_state_dict(hf_folder: str | os.PathLike) -> tuple[dict, dict]:
    """(params, Meta-named tensors) of a HF folder's model.safetensors."""
    from safetensors.torch import load_file
    hf_folder = os.fspath(hf_folder)
    with open(os.path.join(hf_folder, "config.json")) as f:
        config = json.load(f)
    params = meta_params(config)
    hf = load_file(os.path.join(hf_folder, "model.safetensors"))
    tensors = {"tok_embeddings.weight": hf["model.embed_tokens.weight"],
               "norm.weight": hf["model.norm.weight"], "output.weight": hf["lm_head.weight"]}
    for layer in range(params["n_layers"]):
        for hf_name, (meta_name, _) in _LAYER_TENSORS.items():
            w = hf[f"model.layers.{layer}.{hf_name}"]
            if meta_name == "attention.wq.weight":
                w = _interleave(w, params["n_heads"])
            elif meta_name == "attention.wk.weight":
                w = _interleave(w, params["n_kv_heads"])
            tensors[f"layers.{layer}.{meta_name}"] = w
    return params, tensors


def split_dimension(meta_name: str, embed_dim: int) -> int | None:
    if meta_name == "tok_embeddings.weight":
        return embed_dim
    if meta_name == "output.weight":
        return 0
    for suffix, dim in _LAYER_TENSORS.values():
        if meta_name.endswith(suffix):
            return dim
    return None  # norm.weight


def write_meta_folder(hf_folder, out, shards: int = 1, embed_dim: int = 1,
                      llama2_style: bool = False) -> str:
    """Writes params.json and consolidated.00.pth .. NN.pth into `out` (created). Rank r's
    column-parallel slices stay views of the whole tensor, so their storages carry offsets, as a
    slice saved by torch.save does. `llama2_style` writes what Llama 2's download has besides:
    vocab_size -1 in params.json and the RoPE frequencies as rope.freqs."""
    import torch
    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    params, tensors = meta_state_dict(hf_folder)
    if llama2_style:
        params["vocab_size"] = -1
        head_dim = params["dim"] // params["n_heads"]
        tensors["rope.freqs"] = 1.0 / (params["rope_theta"] ** (
            torch.arange(0, head_dim, 2).float() / head_dim))
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(params, f)
    for rank in range(shards):
        shard = {}
        for name, w in tensors.items():
            dim = split_dimension(name, embed_dim)
            if dim is None or shards == 1:
                shard[name] = w
            else:
                piece = w.chunk(shards, dim)[rank]
                shard[name] = piece if dim == 0 else piece.contiguous()
        torch.save(shard, os.path.join(out, f"consolidated.{rank:02d}.pth"))
    return out
