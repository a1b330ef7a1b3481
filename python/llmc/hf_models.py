"""Random-weight Hugging Face Llama folders for tests.

`write_random_llama(folder, LlamaSpec(...))` writes config.json + model.safetensors (or shards
with model.safetensors.index.json) that transformers and llmc both read. Weights are drawn with a
larger spread than transformers' default initialisation so that the logits of a tiny random model
are far apart and argmax comparisons mean something.

config.json is written in the classic form real checkpoints on the Hub use (`rope_theta` and
`rope_scaling` at top level, `torch_dtype`); `config_style="v5"` keeps the form transformers 5
writes itself (`rope_parameters`, `dtype`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Optional

# Dtype names as config.json spells them.
DTYPES = ("float32", "float16", "bfloat16")


@dataclasses.dataclass(frozen=True)
class LlamaSpec:
    """The hyper-parameters of a test model plus how to save it."""

    hidden_size: int = 64
    intermediate_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    num_kv_heads: Optional[int] = None      # None: = num_heads (MHA)
    head_dim: Optional[int] = None          # None: hidden_size // num_heads, not written
    vocab_size: int = 256
    max_position_embeddings: int = 256
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    rope_scaling: Optional[dict] = None     # e.g. {"rope_type": "linear", "factor": 2.0}
    tie_word_embeddings: bool = False
    dtype: str = "float32"                  # dtype of the saved tensors
    max_shard_size: Optional[str] = None    # e.g. "100KB": sharded checkpoint + index
    config_style: str = "classic"           # "classic" (Hub style) or "v5" (transformers 5)
    seed: int = 0
    weight_std: float = 0.15                # linear layers
    embed_std: float = 1.0

    def hf_config_dict(self) -> dict:
        """config.json in the classic Hub form."""
        cfg = {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_layers,
            "num_attention_heads": self.num_heads,
            "num_key_value_heads": self.num_kv_heads or self.num_heads,
            "vocab_size": self.vocab_size,
            "max_position_embeddings": self.max_position_embeddings,
            "rms_norm_eps": self.rms_norm_eps,
            "rope_theta": self.rope_theta,
            "rope_scaling": self.rope_scaling,
            "tie_word_embeddings": self.tie_word_embeddings,
            "hidden_act": "silu",
            "attention_bias": False,
            "mlp_bias": False,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "initializer_range": 0.02,
            "torch_dtype": self.dtype,
            "use_cache": True,
        }
        if self.head_dim is not None:
            cfg["head_dim"] = self.head_dim
        return cfg


def _quiet_transformers():
    import transformers
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _init_weights(model, spec: LlamaSpec):
    """Deterministic weights with a spread that gives well separated logits."""
    import torch
    gen = torch.Generator().manual_seed(spec.seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("norm.weight"):
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)   # U(0.5, 1.5)
            elif "embed_tokens" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * spec.embed_std)
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * spec.weight_std)


def write_random_llama(folder: str | os.PathLike, spec: LlamaSpec = LlamaSpec()) -> str:
    """Writes a random LlamaForCausalLM to `folder` (created) and returns its path."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    _quiet_transformers()
    assert spec.dtype in DTYPES, spec.dtype
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)

    classic = spec.hf_config_dict()
    kwargs = {k: v for k, v in classic.items() if k not in ("architectures", "model_type", "torch_dtype")}
    torch.manual_seed(spec.seed)
    model = LlamaForCausalLM(LlamaConfig(**kwargs))
    _init_weights(model, spec)
    if spec.tie_word_embeddings:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    model = model.to(getattr(torch, spec.dtype))

    save_kwargs = {"safe_serialization": True}
    if spec.max_shard_size:
        save_kwargs["max_shard_size"] = spec.max_shard_size
    model.save_pretrained(folder, **save_kwargs)
    gen_cfg = os.path.join(folder, "generation_config.json")
    if os.path.exists(gen_cfg):
        os.remove(gen_cfg)
    if spec.config_style == "classic":
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(classic, f, indent=2, sort_keys=True)
            f.write("\n")
    else:
        assert spec.config_style == "v5", spec.config_style
    return folder


# The configurations the end-to-end suite compiles, by name. Tiny (2 layers) so each build of
# out/ is quick; each one exercises one feature.
LLAMA3_ROPE = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 64}

TEST_SPECS = {
    # Llama-2 style multi-head attention.
    "mha": LlamaSpec(seed=1),
    # Llama-3 style: GQA, large theta, llama3 rope scaling. head_dim 16 puts the frequencies in
    # all three bands (kept, smoothed, divided by the factor).
    "gqa_llama3": LlamaSpec(hidden_size=128, intermediate_size=256, num_heads=8, num_kv_heads=2, rope_theta=500000.0,
                            rope_scaling=LLAMA3_ROPE, seed=2),
    # lm_head shares embed_tokens (no lm_head.weight in the file).
    "tied": LlamaSpec(tie_word_embeddings=True, num_kv_heads=2, seed=3),
    # head_dim 32 with hidden 64 and 4 heads: q_proj is (128, 64).
    "head_dim": LlamaSpec(head_dim=32, num_kv_heads=2, seed=4),
    # Sizes that are not powers of two.
    "odd_sizes": LlamaSpec(hidden_size=96, intermediate_size=264, num_heads=6, num_kv_heads=3,
                           vocab_size=300, seed=5),
    "f16": LlamaSpec(dtype="float16", num_kv_heads=2, seed=6),
    "bf16": LlamaSpec(dtype="bfloat16", num_kv_heads=2, seed=7),
    "rope_linear": LlamaSpec(rope_scaling={"rope_type": "linear", "factor": 4.0}, seed=8),
    "sharded": LlamaSpec(max_shard_size="100KB", num_kv_heads=2, seed=9),
    # config.json as transformers 5 writes it (rope_parameters instead of rope_theta/rope_scaling).
    "v5_config": LlamaSpec(config_style="v5", num_kv_heads=2, rope_theta=50000.0,
                           rope_scaling={"rope_type": "linear", "factor": 2.0}, seed=10),
}
