"""llama2.c checkpoints: read, write, convert to a Hugging Face folder, and run in numpy.

Formats (all little-endian, float32 weights):
  v0 (legacy): 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len);
      vocab_size < 0 means an unshared classifier. Then token_embedding (vocab, dim),
      rms_att (L, dim), wq (L, dim, dim), wk (L, kv_dim, dim), wv (L, kv_dim, dim), wo (L, dim, dim),
      rms_ffn (L, dim), w1 (L, hidden, dim), w2 (L, dim, hidden), w3 (L, hidden, dim),
      rms_final (dim), freq_cis_real (seq_len, head_size/2), freq_cis_imag (same), [wcls (vocab, dim)].
  v1: 256-byte header: uint32 magic "ak42" (0x616b3432), int32 version 1, the 7 int32 above,
      uint8 shared_classifier, zero padding. Then rms_att, rms_ffn, rms_final, token_embedding,
      wq, wk, wv, wo, w1, w2, w3, [wcls]; no freq_cis.

llama2.c's RoPE rotates interleaved pairs (2i, 2i+1) of each head; Hugging Face's rotates
(i, i + head_dim/2). `to_hf_folder` permutes the rows of wq and wk accordingly:
HF row h*hd + j*(hd/2) + i  =  llama2.c row h*hd + 2*i + j.
`forward` runs the checkpoint in llama2.c's own conventions, so it checks that permutation
independently.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
from typing import Sequence

import numpy as np

V1_MAGIC = 0x616B3432
V1_HEADER_BYTES = 256
RMS_EPS = 1e-5
ROPE_THETA = 10000.0

# Per-layer tensors in file order (v0 interleaves rms_ffn after wo; v1 puts the norms first).
_V0_ORDER = ["rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3"]
_V1_ORDER = ["wq", "wk", "wv", "wo", "w1", "w2", "w3"]


@dataclasses.dataclass
class Llama2cConfig:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    shared_classifier: bool = True

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_size

    def shapes(self) -> dict:
        """Shape of every tensor, by llama2.c name."""
        L, d, h, kv = self.n_layers, self.dim, self.hidden_dim, self.kv_dim
        return {
            "token_embedding": (self.vocab_size, d), "rms_att": (L, d), "rms_ffn": (L, d),
            "wq": (L, d, d), "wk": (L, kv, d), "wv": (L, kv, d), "wo": (L, d, d),
            "w1": (L, h, d), "w2": (L, d, h), "w3": (L, h, d), "rms_final": (d,),
            "freq_cis_real": (self.seq_len, self.head_size // 2),
            "freq_cis_imag": (self.seq_len, self.head_size // 2),
            "wcls": (self.vocab_size, d),
        }


def _tensor_order(cfg: Llama2cConfig, version: int) -> list[str]:
    if version == 0:
        names = ["token_embedding"] + _V0_ORDER + ["rms_final", "freq_cis_real", "freq_cis_imag"]
    else:
        names = ["rms_att", "rms_ffn", "rms_final", "token_embedding"] + _V1_ORDER
    return names + ([] if cfg.shared_classifier else ["wcls"])


def read_checkpoint(path: str | os.PathLike) -> tuple[Llama2cConfig, dict, int]:
    """Returns (config, {name: float32 array}, version). Raises ValueError on a bad file."""
    data = open(path, "rb").read()
    if len(data) >= 8 and struct.unpack_from("<I", data, 0)[0] == V1_MAGIC:
        version = struct.unpack_from("<i", data, 4)[0]
        if version != 1:
            raise ValueError(f"{path}: llama2.c version {version} is not supported")
        hdr = struct.unpack_from("<7i", data, 8)
        cfg = Llama2cConfig(*hdr, shared_classifier=bool(data[36]))
        offset = V1_HEADER_BYTES
    else:
        version = 0
        hdr = list(struct.unpack_from("<7i", data, 0))
        shared = hdr[5] > 0
        hdr[5] = abs(hdr[5])
        cfg = Llama2cConfig(*hdr, shared_classifier=shared)
        offset = 28
    shapes = cfg.shapes()
    names = _tensor_order(cfg, version)
    need = offset + 4 * sum(int(np.prod(shapes[n])) for n in names)
    if len(data) != need:
        raise ValueError(f"{path}: {len(data)} bytes, header implies {need}")
    weights = {}
    for n in names:
        count = int(np.prod(shapes[n]))
        weights[n] = np.frombuffer(data, "<f4", count, offset).reshape(shapes[n]).copy()
        offset += 4 * count
    if cfg.shared_classifier:
        weights["wcls"] = weights["token_embedding"]
    return cfg, weights, version


def freq_cis(cfg: Llama2cConfig) -> tuple[np.ndarray, np.ndarray]:
    """The cos/sin table llama2.c's export writes into v0 files: (seq_len, head_size/2)."""
    hs = cfg.head_size
    freqs = 1.0 / (ROPE_THETA ** (np.arange(0, hs, 2, dtype=np.float64) / hs))
    angles = np.outer(np.arange(cfg.seq_len), freqs)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def write_checkpoint(path: str | os.PathLike, cfg: Llama2cConfig, weights: dict, version: int = 0):
    """Writes a v0 or v1 checkpoint (freq_cis computed when absent from `weights`)."""
    weights = dict(weights)
    if "freq_cis_real" not in weights:
        weights["freq_cis_real"], weights["freq_cis_imag"] = freq_cis(cfg)
    shapes = cfg.shapes()
    with open(path, "wb") as f:
        fields = (cfg.dim, cfg.hidden_dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads)
        if version == 0:
            vocab = cfg.vocab_size if cfg.shared_classifier else -cfg.vocab_size
            f.write(struct.pack("<7i", *fields, vocab, cfg.seq_len))
        else:
            head = struct.pack("<Ii7iB", V1_MAGIC, 1, *fields, cfg.vocab_size, cfg.seq_len,
                               int(cfg.shared_classifier))
            f.write(head + b"\0" * (V1_HEADER_BYTES - len(head)))
        for n in _tensor_order(cfg, version):
            arr = np.ascontiguousarray(weights[n], dtype="<f4")
            assert arr.shape == tuple(shapes[n]), (n, arr.shape, shapes[n])
            f.write(arr.tobytes())


def random_checkpoint(cfg: Llama2cConfig, seed: int = 0) -> dict:
    """Random weights for `cfg` with a spread that gives well separated logits."""
    rng = np.random.default_rng(seed)
    w = {}
    for n, shape in cfg.shapes().items():
        if n.startswith("freq_cis") or (n == "wcls" and cfg.shared_classifier):
            continue
        if n.startswith("rms"):
            w[n] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        else:
            std = 1.0 if n == "token_embedding" else 0.15
            w[n] = (rng.standard_normal(shape) * std).astype(np.float32)
    if cfg.shared_classifier:
        w["wcls"] = w["token_embedding"]
    return w


def permute_rope_rows(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Interleaved-pair rows (llama2.c) -> rotate-half rows (HF), per head."""
    rows, cols = w.shape
    hd = rows // n_heads
    return w.reshape(n_heads, hd // 2, 2, cols).transpose(0, 2, 1, 3).reshape(rows, cols)


def hf_config(cfg: Llama2cConfig) -> dict:
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": cfg.dim,
        "intermediate_size": cfg.hidden_dim,
        "num_hidden_layers": cfg.n_layers,
        "num_attention_heads": cfg.n_heads,
        "num_key_value_heads": cfg.n_kv_heads,
        "vocab_size": cfg.vocab_size,
        "max_position_embeddings": cfg.seq_len,
        "rms_norm_eps": RMS_EPS,
        "rope_theta": ROPE_THETA,
        "rope_scaling": None,
        "tie_word_embeddings": cfg.shared_classifier,
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "float32",
    }


def to_hf_folder(checkpoint: str | os.PathLike, folder: str | os.PathLike) -> str:
    """Converts a llama2.c checkpoint into a HF folder (config.json + model.safetensors, f32)."""
    from safetensors.numpy import save_file
    cfg, w, _ = read_checkpoint(checkpoint)
    tensors = {"model.embed_tokens.weight": w["token_embedding"],
               "model.norm.weight": w["rms_final"]}
    if not cfg.shared_classifier:
        tensors["lm_head.weight"] = w["wcls"]
    for l in range(cfg.n_layers):
        p = f"model.layers.{l}."
        tensors[p + "input_layernorm.weight"] = w["rms_att"][l]
        tensors[p + "post_attention_layernorm.weight"] = w["rms_ffn"][l]
        tensors[p + "self_attn.q_proj.weight"] = permute_rope_rows(w["wq"][l], cfg.n_heads)
        tensors[p + "self_attn.k_proj.weight"] = permute_rope_rows(w["wk"][l], cfg.n_kv_heads)
        tensors[p + "self_attn.v_proj.weight"] = w["wv"][l]
        tensors[p + "self_attn.o_proj.weight"] = w["wo"][l]
        tensors[p + "mlp.gate_proj.weight"] = w["w1"][l]
        tensors[p + "mlp.down_proj.weight"] = w["w2"][l]
        tensors[p + "mlp.up_proj.weight"] = w["w3"][l]
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hf_config(cfg), f, indent=2, sort_keys=True)
        f.write("\n")
    return folder


# ----------------------------------------------------------------------------------------------
# Forward pass in llama2.c conventions (run.c), float64, whole sequence at once.

def _rmsnorm(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + RMS_EPS) * w


def _rope_interleaved(x: np.ndarray, head_size: int) -> np.ndarray:
    """x: (T, n*head_size); rotates pairs (2i, 2i+1) of each head by pos * theta^(-2i/hs)."""
    T = x.shape[0]
    xp = x.reshape(T, -1, head_size // 2, 2)
    freqs = ROPE_THETA ** (-np.arange(0, head_size, 2, dtype=np.float64) / head_size)
    ang = np.arange(T)[:, None] * freqs[None, :]                  # (T, hs/2)
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    x0, x1 = xp[..., 0], xp[..., 1]
    return np.stack([x0 * c - x1 * s, x0 * s + x1 * c], axis=-1).reshape(x.shape)


def forward(cfg: Llama2cConfig, w: dict, tokens: Sequence[int]) -> np.ndarray:
    """Logits (len(tokens), vocab) as float32, computed in float64 the way run.c does."""
    f = {k: v.astype(np.float64) for k, v in w.items()}
    hs, T = cfg.head_size, len(tokens)
    group = cfg.n_heads // cfg.n_kv_heads
    mask = np.triu(np.full((T, T), -np.inf), k=1)
    x = f["token_embedding"][list(tokens)]                         # (T, dim)
    for l in range(cfg.n_layers):
        xb = _rmsnorm(x, f["rms_att"][l])
        q = _rope_interleaved(xb @ f["wq"][l].T, hs).reshape(T, cfg.n_heads, hs)
        k = _rope_interleaved(xb @ f["wk"][l].T, hs).reshape(T, cfg.n_kv_heads, hs)
        v = (xb @ f["wv"][l].T).reshape(T, cfg.n_kv_heads, hs)
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)  # head h -> kv h//group
        att = np.einsum("thd,shd->hts", q, k) / np.sqrt(hs) + mask
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        o = np.einsum("hts,shd->thd", att, v).reshape(T, cfg.dim)
        x = x + o @ f["wo"][l].T
        xb = _rmsnorm(x, f["rms_ffn"][l])
        g = xb @ f["w1"][l].T
        x = x + ((g / (1.0 + np.exp(-g))) * (xb @ f["w3"][l].T)) @ f["w2"][l].T
    x = _rmsnorm(x, f["rms_final"])
    return (x @ f["wcls"].T).astype(np.float32)


def greedy(cfg: Llama2cConfig, w: dict, prompt: Sequence[int], steps: int) -> list[int]:
    seq = list(prompt)
    for _ in range(steps):
        seq.append(int(forward(cfg, w, seq)[-1].argmax()))
    return seq[len(prompt):]


# ----------------------------------------------------------------------------------------------
# tokenizer.bin: int32 max_token_length, then per token: float32 score, int32 len, bytes.

def read_tokenizer(path: str | os.PathLike, vocab_size: int) -> tuple[list[bytes], list[float]]:
    data = open(path, "rb").read()
    off, pieces, scores = 4, [], []
    for _ in range(vocab_size):
        score, n = struct.unpack_from("<fi", data, off)
        pieces.append(data[off + 8: off + 8 + n])
        scores.append(score)
        off += 8 + n
    return pieces, scores


def decode(pieces: list[bytes], ids: Sequence[int], prev: int = 1) -> str:
    """Text of `ids` as run.c's decode prints it (the piece after BOS drops its leading space)."""
    out = bytearray()
    for t in ids:
        p = pieces[t]
        if prev == 1 and p.startswith(b" "):
            p = p[1:]
        if len(p) == 6 and p.startswith(b"<0x") and p.endswith(b">"):
            p = bytes([int(p[3:5], 16)])
        out += p
        prev = t
    return out.decode("utf-8", errors="replace")


def encode(pieces: list[bytes], scores: list[float], text: str) -> list[int]:
    """run.c's BPE encode (no BOS/EOS): dummy-prefix space, code points, best-score merges."""
    lookup = {p: i for i, p in enumerate(pieces)}
    ids = [lookup[b" "]] if text else []
    for ch in text:
        b = ch.encode("utf-8")
        ids += [lookup[b]] if b in lookup else [c + 3 for c in b]   # byte fallback <0xNN>
    while True:
        best, best_i = -1e10, -1
        for i in range(len(ids) - 1):
            j = lookup.get(pieces[ids[i]] + pieces[ids[i + 1]])
            if j is not None and scores[j] > best:
                best, best_i = scores[j], i
        if best_i < 0:
            return ids
        ids[best_i:best_i + 2] = [lookup[pieces[ids[best_i]] + pieces[ids[best_i + 1]]]]
