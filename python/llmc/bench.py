"""Benchmarks (figures for notes and docs, never timed tests).

    python -m llmc.bench compile-memory [--work DIR] [--layers 22] [--steps 8]

compile-memory writes a TinyLlama-1.1B-shaped Hugging Face folder with random f16 weights
(hidden 2048, intermediate 5632, 22 layers, 32 heads, 4 KV heads, vocab 32000), compiles it with
llmc while measuring the compiler's peak RSS, builds the output and measures decode tokens/s of
the generated program with one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from llmc import driver

TINYLLAMA = dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
                 num_attention_heads=32, num_key_value_heads=4, vocab_size=32000,
                 max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=10000.0)


def _hf_tensor_shapes(config: dict) -> list[tuple[str, tuple[int, ...]]]:
    """The tensors of a LlamaForCausalLM with this config, in the order HF writes them."""
    h, i, v = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    head_dim = h // config["num_attention_heads"]
    kv = config["num_key_value_heads"] * head_dim
    shapes = [("model.embed_tokens.weight", (v, h))]
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        shapes += [(p + "input_layernorm.weight", (h,)),
                   (p + "self_attn.q_proj.weight", (h, h)),
                   (p + "self_attn.k_proj.weight", (kv, h)),
                   (p + "self_attn.v_proj.weight", (kv, h)),
                   (p + "self_attn.o_proj.weight", (h, h)),
                   (p + "post_attention_layernorm.weight", (h,)),
                   (p + "mlp.gate_proj.weight", (i, h)),
                   (p + "mlp.up_proj.weight", (i, h)),
                   (p + "mlp.down_proj.weight", (h, i))]
    shapes += [("model.norm.weight", (h,)), ("lm_head.weight", (v, h))]
    return shapes


def write_random_f16_folder(folder: Path, config: dict, seed: int = 0,
                            layers_per_shard: int = 4) -> int:
    """Writes config.json and sharded f16 safetensors without building the model in torch (which
    would need the float32 model in memory). Returns the number of parameters."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    cfg = dict(config, architectures=["LlamaForCausalLM"], model_type="llama",
               tie_word_embeddings=False, torch_dtype="float16", bos_token_id=1, eos_token_id=2)
    (folder / "config.json").write_text(json.dumps(cfg, indent=2))
    rng = np.random.default_rng(seed)
    weight_map, shard, shard_index, params = {}, {}, 0, 0

    def flush():
        nonlocal shard, shard_index
        if shard:
            name = f"model-{shard_index:05d}.safetensors"
            save_file(shard, str(folder / name))
            weight_map.update({k: name for k in shard})
            shard, shard_index = {}, shard_index + 1

    for name, shape in _hf_tensor_shapes(config):
        if len(shape) == 1:
            data = (1.0 + 0.1 * rng.standard_normal(shape, dtype=np.float32)).astype(np.float16)
        else:
            data = (0.02 * rng.standard_normal(shape, dtype=np.float32)).astype(np.float16)
        shard[name] = data
        params += data.size
        if name.endswith("down_proj.weight") and (int(name.split(".")[2]) + 1) % layers_per_shard == 0:
            flush()
    flush()
    index = {"metadata": {"total_size": params * 2}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return params


def run_measuring_rss(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Runs cmd in a fresh child; returns (seconds, peak RSS bytes of that child, result)."""
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, time\n"
               "t = time.time(); r = subprocess.run(sys.argv[1:])\n"
               "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
               "print(f'BENCH {time.time() - t:.3f} {rss}', file=sys.stderr)\n"
               "sys.exit(r.returncode)\n", *cmd]
    proc = subprocess.run(wrapper, capture_output=True, text=True)
    match = re.search(r"BENCH ([0-9.]+) ([0-9]+)", proc.stderr)
    if proc.returncode != 0 or not match:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return float(match.group(1)), int(match.group(2)), proc


def compile_memory(args) -> dict:
    work = Path(args.work)
    config = dict(TINYLLAMA, num_hidden_layers=args.layers)
    model = work / "tinyllama-shaped-f16"
    if not (model / "config.json").exists():
        t = time.time()
        params = write_random_f16_folder(model, config)
        print(f"wrote {model} ({params / 1e9:.2f} B parameters) in {time.time() - t:.0f} s")
    params = sum(int(np.prod(s)) for _, s in _hf_tensor_shapes(config))
    out = work / "out"
    seconds, rss, _ = run_measuring_rss(
        [str(driver.llmc_binary()), "compile", str(model), "-o", str(out), "--quiet"])
    f32_bytes = params * 4
    result = {"parameters": params, "compile_seconds": round(seconds, 1),
              "compile_peak_rss_mib": round(rss / 2**20),
              "float32_model_mib": round(f32_bytes / 2**20),
              "rss_over_f32_size": round(rss / f32_bytes, 3)}
    build_dir = driver.build(out, cxx="g++")
    run = subprocess.run([str(build_dir / "llm-run"), "--tokens", "1", "--steps", str(args.steps),
                          "--temperature", "0", "--ignore-eos", "--verbose",
                          "--print-token-ids"], capture_output=True, text=True)
    match = re.search(r"generated [0-9]+ tokens in [0-9.]+ s \(([0-9.]+) tokens/s\)", run.stderr)
    result["decode_stderr"] = run.stderr.strip().splitlines()[-3:]
    if match:
        result["decode_tokens_per_s_1_thread"] = float(match.group(1))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmc.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    cm = sub.add_parser("compile-memory", help="peak RSS of llmc compile, decode tokens/s")
    cm.add_argument("--work", default="build/bench", help="folder for the model and outputs")
    cm.add_argument("--layers", type=int, default=22)
    cm.add_argument("--steps", type=int, default=8)
    args = parser.parse_args(argv)
    print(json.dumps(compile_memory(args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
