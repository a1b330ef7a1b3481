"""What the benchmarks share: the TinyLlama-shaped test model, measuring a child process, and
llama.cpp's quantizer.

bench.py (the command line: compile-memory, quant-accuracy) and bench_speed.py (`speed`) both
import this module and it imports neither, so the benchmarks' imports form no cycle:

    bench -> bench_speed -> bench_common,  bench -> bench_common

Its command line is llama_cpp_quantize's child (not for people):

    python -m llmc.bench_common quantize-child SRC DST SCHEME PURE THREADS
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# ---- the TinyLlama-1.1B-shaped model ----------------------------------------------------------

TINYLLAMA = dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
                 num_attention_heads=32, num_key_value_heads=4, vocab_size=32000,
                 max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=10000.0)


def hf_tensor_shapes(config: dict) -> list[tuple[str, tuple[int, ...]]]:
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

    for name, shape in hf_tensor_shapes(config):
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


# ---- measuring a child process ----------------------------------------------------------------

def run_measuring_rss(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Runs cmd in a fresh child; returns (seconds, peak RSS bytes of that child, result)."""
    # A wrapper process of its own: RUSAGE_CHILDREN's peak is over every child a process ever
    # had, so only a process whose one child is cmd reports cmd's peak.
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


def measured(cmd: list[str]) -> tuple[int, subprocess.CompletedProcess, float]:
    """run_measuring_rss(cmd) plus `others`: the mean number of cores that processes other than
    this measurement kept busy while it ran (other engineers' builds on a shared machine)."""
    before_cpu, before_own, t = cpu_busy_seconds(), _children_cpu_seconds(), time.time()
    _, rss, proc = run_measuring_rss(cmd)
    elapsed = time.time() - t
    others = (cpu_busy_seconds() - before_cpu - (_children_cpu_seconds() - before_own)) / elapsed
    return rss, proc, max(0.0, others)


def cpu_busy_seconds() -> float:
    """Seconds all CPUs spent busy (not idle or iowait) since boot, from /proc/stat."""
    try:
        fields = open("/proc/stat").readline().split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def child_env() -> dict:
    """os.environ with this package on PYTHONPATH, for `python -m llmc.bench_*` children: without
    `pip install -e python` the parent may have found llmc through its own sys.path only."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    if root not in env.get("PYTHONPATH", "").split(os.pathsep):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def write_results(json_path: Path, result: dict, markdown: str) -> None:
    """A benchmark's results: everything as JSON at json_path, its table beside it as .md."""
    json_path.write_text(json.dumps(result, indent=2))
    json_path.with_suffix(".md").write_text(markdown)


# ---- llama.cpp (llama-cpp-python) -------------------------------------------------------------

# llmc scheme -> llama.cpp's file type (llama_cpp.LLAMA_FTYPE_<name>) for llama_model_quantize.
# Q4_K_S rather than Q4_K_M: fewer tensors promoted to a bigger type, so nearer llmc's q4_k.
LLAMA_CPP_FTYPES = {"q8_0": "MOSTLY_Q8_0", "q4_0": "MOSTLY_Q4_0", "q4_1": "MOSTLY_Q4_1",
                    "q4_k": "MOSTLY_Q4_K_S", "q6_k": "MOSTLY_Q6_K"}
LLAMA_CPP_INSTALL = ("CMAKE_ARGS=\"-DGGML_NATIVE=ON -DCMAKE_C_FLAGS='-mno-amx-tile -mno-amx-int8 "
                     "-mno-amx-bf16' -DCMAKE_CXX_FLAGS='-mno-amx-tile -mno-amx-int8 -mno-amx-bf16'\""
                     " pip install llama-cpp-python")


def llama_cpp_quantize(src: Path, dst: Path, scheme: str, pure: bool = False,
                       threads: int = 1) -> None:
    """llama_model_quantize(src -> dst) to llama.cpp's file type for llmc's `scheme`
    (LLAMA_CPP_FTYPES); pure: every tensor in that type (no Q6_K output under Q4_0). Runs in a
    child, whose log (a line per tensor) is shown only when it fails."""
    proc = subprocess.run([sys.executable, "-m", "llmc.bench_common", "quantize-child", str(src),
                           str(dst), scheme, str(int(pure)), str(threads)],
                          capture_output=True, text=True, env=child_env())
    if proc.returncode != 0:
        raise RuntimeError(f"quantizing {src} to {scheme} failed:\n{proc.stderr[-4000:]}")


def _quantize_child(src: Path, dst: Path, scheme: str, pure: bool, threads: int) -> None:
    import llama_cpp
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, "LLAMA_FTYPE_" + LLAMA_CPP_FTYPES[scheme])
    params.nthread = threads
    params.pure = pure
    # Written aside, then renamed: callers take an existing dst as done.
    tmp = dst.with_suffix(".gguf.tmp")
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), ctypes.byref(params))
    if rc != 0:
        raise RuntimeError(f"llama_model_quantize({src}, {dst}, {scheme}) returned {rc}")
    os.replace(tmp, dst)


def gguf_tensor_types(path: Path) -> str:
    """'q4_0 x35, q8_0 x1, ...': how many tensors of each type a GGUF file holds."""
    from collections import Counter
    from gguf import GGUFReader
    counts = Counter(t.tensor_type.name.lower() for t in GGUFReader(str(path)).tensors)
    return ", ".join(f"{k} x{v}" for k, v in counts.most_common())


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "quantize-child":
        _, _, src, dst, scheme, pure, threads = sys.argv
        _quantize_child(Path(src), Path(dst), scheme, pure == "1", int(threads))
        sys.exit(0)
    sys.exit("usage: python -m llmc.bench_common quantize-child SRC DST SCHEME PURE THREADS "
             "(llama_cpp_quantize's child)")
