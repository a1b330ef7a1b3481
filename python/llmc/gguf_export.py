"""Write GGUF files from Hugging Face Llama folders the way llama.cpp's converter does (tests).

    from llmc import gguf_export
    gguf_export.write_gguf("hf_folder", "model.gguf", tensor_type="q8_0")
    gguf_export.write_dequantized_hf("hf_folder", "ref_folder", tensor_type="q8_0")

Like convert_hf_to_gguf.py (LlamaModel): tensors get GGUF names (blk.N.attn_q.weight, ...),
attn_q / attn_k rows (and biases) are permuted from the Hugging Face rotate-half RoPE layout to
the interleaved (Meta) layout, one-dimensional tensors stay float32, and llama3 RoPE scaling is
stored as per-frequency factors in `rope_freqs.weight`. Quantized types go through
gguf.quants.quantize (gguf-py implements Q8_0, Q4_0 and Q4_1 quantization); tensors whose rows
are not whole blocks fall back to f16, as the converter does.

`write_dequantized_hf` writes the same model with every weight replaced by
dequantize(quantize(w)), so that transformers run on it is the exact reference for a quantized
GGUF file.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np

# HF tensor name (inside model.layers.N.) -> GGUF name (inside blk.N.).
_LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
_GLOBAL_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}

TENSOR_TYPES = ("f32", "f16", "q8_0", "q4_0", "q4_1")


def gguf_name(hf_name: str) -> str | None:
    """The GGUF name of a LlamaForCausalLM tensor, or None (e.g. rotary_emb.inv_freq)."""
    if hf_name in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[hf_name]
    m = re.fullmatch(r"model\.layers\.(\d+)\.(.+)\.(weight|bias)", hf_name)
    if not m or m.group(2) not in _LAYER_NAMES:
        return None
    return f"blk.{m.group(1)}.{_LAYER_NAMES[m.group(2)]}.{m.group(3)}"


def permute_qk(w: np.ndarray, n_head: int) -> np.ndarray:
    """Rows of `n_head` heads from rotate-half pairs (i, i + d/2) to interleaved pairs (2i, 2i+1):
    llama.cpp's LlamaModel.permute (pass n_kv_heads for attn_k)."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2)
            .reshape(w.shape))


def llama3_rope_factors(config: dict) -> np.ndarray | None:
    """rope_freqs.weight of llama3 rope scaling (convert_hf_to_gguf.py), else None."""
    scaling = config.get("rope_scaling") or {}
    if scaling.get("rope_type", scaling.get("type", "")).lower() != "llama3":
        return None
    import torch
    base = config.get("rope_theta", 10000.0)
    dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    freqs = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    factor = scaling.get("factor", 8.0)
    low_freq_factor = scaling.get("low_freq_factor", 1.0)
    high_freq_factor = scaling.get("high_freq_factor", 4.0)
    old_context_len = scaling.get("original_max_position_embeddings", 8192)
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_freq_wavelen:
            factors.append(1)
        elif wavelen > low_freq_wavelen:
            factors.append(factor)
        else:
            smooth = ((old_context_len / wavelen - low_freq_factor)
                      / (high_freq_factor - low_freq_factor))
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return np.asarray(factors, dtype=np.float32)


def _load_hf_tensors(folder: Path) -> dict[str, np.ndarray]:
    """Every tensor of the folder's safetensors file(s), as float32 numpy arrays."""
    from safetensors.torch import load_file
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"{folder}: no .safetensors files")
    tensors = {}
    for f in files:
        for name, t in load_file(str(f)).items():
            tensors[name] = t.float().numpy()
    return tensors


def _quant_type(tensor_type: str):
    import gguf
    return {"f32": gguf.GGMLQuantizationType.F32, "f16": gguf.GGMLQuantizationType.F16,
            "q8_0": gguf.GGMLQuantizationType.Q8_0, "q4_0": gguf.GGMLQuantizationType.Q4_0,
            "q4_1": gguf.GGMLQuantizationType.Q4_1}[tensor_type]


def _stored_type(name: str, w: np.ndarray, tensor_type: str):
    """The GGML type a tensor is stored in: 1-D tensors f32; rows that are not whole blocks f16."""
    import gguf
    qtype = _quant_type(tensor_type)
    if w.ndim == 1:
        return gguf.GGMLQuantizationType.F32
    block = gguf.GGML_QUANT_SIZES[qtype][0]
    if w.shape[-1] % block != 0:
        return gguf.GGMLQuantizationType.F16
    return qtype


def round_trip(w: np.ndarray, qtype) -> np.ndarray:
    """dequantize(quantize(w)) in float32: what a reader of the stored tensor gets."""
    import gguf
    return gguf.quants.dequantize(gguf.quants.quantize(w, qtype), qtype).reshape(w.shape)


def add_llama_metadata(writer, config: dict, name: str) -> None:
    """The llama.* hyper-parameters and BOS/EOS ids of a Hugging Face Llama config.json (its
    transformers 4 form) as convert_hf_to_gguf.py writes them, under general.name `name`; shared
    with bench_speed.write_f16_gguf, which adds a tokenizer."""
    import gguf
    n_head = config["num_attention_heads"]
    n_kv = config.get("num_key_value_heads") or n_head
    hidden = config["hidden_size"]
    head_dim = config.get("head_dim") or hidden // n_head
    writer.add_name(name)
    writer.add_context_length(config.get("max_position_embeddings", 2048))
    writer.add_embedding_length(hidden)
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(config.get("rope_theta", 10000.0))
    writer.add_layer_norm_rms_eps(config.get("rms_norm_eps", 1e-6))
    writer.add_vocab_size(config["vocab_size"])
    if config.get("head_dim"):
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    scaling = config.get("rope_scaling") or {}
    if scaling.get("rope_type", scaling.get("type")) == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(scaling["factor"])
    writer.add_bos_token_id(config.get("bos_token_id", 1))
    eos = config.get("eos_token_id", 2)
    writer.add_eos_token_id(eos[0] if isinstance(eos, list) else eos)


def add_byte_level_tokenizer(writer, tokenizer_json: Path) -> None:
    """A byte-level BPE tokenizer.json (Llama 3's) as convert_hf_to_gguf.py writes it for
    `tokenizer.ggml.pre` llama-bpe: the tokens in id order in their byte-level spelling, the
    added tokens that are special as control tokens (type 3), the others normal (type 1), and the
    merges as "a b" strings."""
    document = json.loads(Path(tokenizer_json).read_text())
    model = document["model"]
    assert model["type"] == "BPE", model["type"]
    tokens = dict((i, t) for t, i in model["vocab"].items())
    special = set()
    for added in document.get("added_tokens", []):
        tokens[added["id"]] = added["content"]
        if added.get("special"):
            special.add(added["id"])
    assert sorted(tokens) == list(range(len(tokens))), "token ids are not 0 .. n-1"
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("llama-bpe")
    writer.add_token_list([tokens[i] for i in range(len(tokens))])
    writer.add_token_types([3 if i in special else 1 for i in range(len(tokens))])
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in model["merges"]])


def write_gguf(hf_folder, path, tensor_type: str = "f32", tokenizer_json=None,
               chat_template: str | None = None) -> Path:
    """Converts the LlamaForCausalLM in `hf_folder` to a GGUF file at `path`; returns the path.

    tensor_type: one of TENSOR_TYPES for the 2-D tensors. Without `tokenizer_json` the file has
    no tokenizer (random test models have none), so llama.vocab_size gives the vocabulary size;
    with it, that byte-level BPE tokenizer (add_byte_level_tokenizer). chat_template: the Jinja
    text for tokenizer.chat_template, as convert_hf_to_gguf.py copies it from
    tokenizer_config.json.
    """
    import gguf
    assert tensor_type in TENSOR_TYPES, tensor_type
    hf_folder, path = Path(hf_folder), Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = json.loads((hf_folder / "config.json").read_text())
    if "rope_parameters" in config and "rope_theta" not in config:  # transformers 5 style
        params = dict(config["rope_parameters"])
        config["rope_theta"] = params.pop("rope_theta", 10000.0)
        config["rope_scaling"] = params if params.get("rope_type", "default") != "default" else None
    n_head = config["num_attention_heads"]
    n_kv = config.get("num_key_value_heads") or n_head

    writer = gguf.GGUFWriter(str(path), "llama")
    add_llama_metadata(writer, config, "llmc-test")
    if tokenizer_json is not None:
        add_byte_level_tokenizer(writer, tokenizer_json)
    if chat_template is not None:
        writer.add_chat_template(chat_template)

    factors = llama3_rope_factors(config)
    if factors is not None:
        writer.add_tensor("rope_freqs.weight", factors)
    tensors = _load_hf_tensors(hf_folder)
    if config.get("tie_word_embeddings"):
        tensors.pop("lm_head.weight", None)
    for hf_name in sorted(tensors, key=_tensor_order):
        name = gguf_name(hf_name)
        if name is None:
            continue
        w = tensors[hf_name]
        if ".attn_q." in name:
            w = permute_qk(w, n_head)
        elif ".attn_k." in name:
            w = permute_qk(w, n_kv)
        qtype = _stored_type(name, w, tensor_type)
        data = gguf.quants.quantize(np.ascontiguousarray(w, dtype=np.float32), qtype)
        writer.add_tensor(name, data, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_dequantized_hf(hf_folder, out_folder, tensor_type: str) -> Path:
    """A copy of `hf_folder` whose weights are what a reader of write_gguf(..., tensor_type) gets:
    each tensor stored quantized is replaced by dequantize(quantize(w)) (in HF row order; the
    q/k row permutation moves whole rows, so it commutes with the per-row quantization)."""
    from safetensors.numpy import save_file
    hf_folder, out_folder = Path(hf_folder), Path(out_folder)
    out_folder.mkdir(parents=True, exist_ok=True)
    tensors = _load_hf_tensors(hf_folder)
    result = {}
    for hf_name, w in tensors.items():
        name = gguf_name(hf_name) or hf_name
        qtype = _stored_type(name, w, tensor_type)
        result[hf_name] = np.ascontiguousarray(round_trip(w.astype(np.float32), qtype))
    save_file(result, str(out_folder / "model.safetensors"), metadata={"format": "pt"})
    config = json.loads((hf_folder / "config.json").read_text())
    config["torch_dtype"] = "float32"
    (out_folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    for extra in ("tokenizer.model",):
        if (hf_folder / extra).exists():
            shutil.copy(hf_folder / extra, out_folder / extra)
    return out_folder


def _tensor_order(hf_name: str):
    """The converter's order: embedding, layers in order, then the rest."""
    m = re.match(r"model\.layers\.(\d+)\.", hf_name)
    if hf_name == "model.embed_tokens.weight":
        return (0, 0, hf_name)
    if m:
        return (1, int(m.group(1)), hf_name)
    return (2, 0, hf_name)

