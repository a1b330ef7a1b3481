"""`python -m llmc.bench speed`: llmc's generated code vs llama.cpp on a TinyLlama-shaped model.

    python -m llmc.bench speed [--work build/bench] [--targets x86-avx2,generic]
                               [--schemes q8_0,q4_0,f16] [--threads 1,2] [--repeats 3] [--quick]

1. A TinyLlama-1.1B-shaped Hugging Face folder with random f16 weights (bench_common's writer,
   cached in WORK/tinyllama-shaped-f16) is converted once to an f16 GGUF (WORK/speed/, streamed
   tensor by tensor, q/k rows permuted as llama.cpp's converter does, the Llama 2 SentencePiece
   vocabulary of models/llama2-tokenizer, which has TinyLlama's 32000 tokens), then quantized by
   llama.cpp's llama_model_quantize to Q8_0 and Q4_0 (its default rules: under Q4_0 the output
   tensor becomes Q6_K).
2. llmc compiles each GGUF (`--context 1024`, llama.cpp's n_ctx; quantized and f16 tensors are
   copied bit for bit) for each --targets entry; the output is built with g++
   (CMake Release) and `llm-run --tokens ... --steps ... --temperature 0 --ignore-eos --verbose
   --threads T` gives prefill and decode times.
3. llama.cpp (llama-cpp-python) runs the same GGUF files with n_ctx 1024, n_batch 512, greedy
   argmax on the last logits, its default f16 KV cache. Every measurement runs in a fresh child
   process, whose peak RSS is that engine's.
4. A small C++ read-bandwidth program (g++ -O3 -march=native, compiled on the spot, run before
   the first scheme and after each) gives the memory roofline: decode tok/s cannot exceed
   bandwidth / bytes read per token.

The machine may be shared: within a figure the engines alternate run by run, each run first
waits (up to --wait-quiet s) for the other processes to leave the CPUs idle, every figure is the
best of --repeats runs, and each run records how many cores other processes kept busy meanwhile.
Compare the ratios of one run rather than absolute figures across runs. Prints a table and writes
WORK/speed/speed.json (everything) and speed.md (the table in Markdown); docs/performance.md.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from llmc import driver
from llmc.bench_common import (LLAMA_CPP_FTYPES, LLAMA_CPP_INSTALL, TINYLLAMA, child_env,
                               cpu_busy_seconds, gguf_tensor_types, llama_cpp_quantize, measured,
                               write_random_f16_folder, write_results)

N_CTX = 1024
N_BATCH = 512
DECODE_PROMPT = 32

BANDWIDTH_CPP = r"""
// Read bandwidth: T threads each sum their slice of one buffer, as 4 interleaved streams (a core's
// prefetchers keep several streams in flight, as a linear kernel reading 4 weight rows does; one
// stream alone reads ~20% slower here); several passes, prints the best GB/s.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

constexpr int kStreams = 4;

static uint64_t sum_slice(const uint64_t* p, size_t n) {
  size_t per = n / kStreams / 32 * 32;
  uint64_t acc[kStreams][4] = {};
  for (size_t i = 0; i < per; i += 32)
    for (int s = 0; s < kStreams; ++s) {
      const uint64_t* q = p + s * per + i;
      for (int j = 0; j < 32; j += 4) {
        acc[s][0] += q[j]; acc[s][1] += q[j + 1]; acc[s][2] += q[j + 2]; acc[s][3] += q[j + 3];
      }
    }
  uint64_t total = 0;
  for (auto& a : acc) total += a[0] + a[1] + a[2] + a[3];
  return total;
}

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  size_t bytes = size_t(std::atoll(argv[1])) << 20;
  int threads = std::atoi(argv[2]), passes = std::atoi(argv[3]);
  size_t n = bytes / 8;
  uint64_t* buf = static_cast<uint64_t*>(std::aligned_alloc(4096, n * 8));
  for (size_t i = 0; i < n; ++i) buf[i] = i * 2654435761u;
  double best = 0;
  volatile uint64_t sink = 0;
  for (int pass = 0; pass < passes; ++pass) {
    std::vector<uint64_t> sums(threads);
    std::vector<std::thread> pool;
    auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        size_t lo = n * t / threads, hi = n * (t + 1) / threads;
        sums[t] = sum_slice(buf + lo, hi - lo);
      });
    for (auto& th : pool) th.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (uint64_t v : sums) sink = sink + v;
    double gbs = bytes / s / 1e9;
    if (gbs > best) best = gbs;
  }
  std::printf("%.3f\n", best);
  std::free(buf);
  return 0;
}
"""


# ---- model files ------------------------------------------------------------------------------

def _sentencepiece_vocab(writer, tokenizer_model: Path) -> int:
    """tokenizer.ggml.* from a SentencePiece model, as convert_hf_to_gguf.py writes them."""
    import gguf
    import sentencepiece
    sp = sentencepiece.SentencePieceProcessor(model_file=str(tokenizer_model))
    tokens, scores, types = [], [], []
    for i in range(sp.vocab_size()):
        tokens.append(sp.id_to_piece(i).encode("utf-8"))
        scores.append(sp.get_score(i))
        if sp.is_unknown(i):
            types.append(gguf.TokenType.UNKNOWN)
        elif sp.is_control(i):
            types.append(gguf.TokenType.CONTROL)
        elif sp.is_unused(i):
            types.append(gguf.TokenType.UNUSED)
        elif sp.is_byte(i):
            types.append(gguf.TokenType.BYTE)
        else:
            types.append(gguf.TokenType.NORMAL)
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(sp.unk_id())
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    return sp.vocab_size()


def llama_gguf_writer(path: Path, config: dict, name: str, file_type, tokenizer_model: Path):
    """A gguf.GGUFWriter for `path` with a Llama config's metadata (gguf_export's), general.name
    `name`, general.file_type `file_type` and the SentencePiece vocabulary of `tokenizer_model`,
    which must have the config's vocab_size tokens."""
    import gguf
    from llmc.gguf_export import add_llama_metadata
    writer = gguf.GGUFWriter(str(path), "llama")
    add_llama_metadata(writer, config, name)
    writer.add_file_type(file_type)
    n_vocab = _sentencepiece_vocab(writer, tokenizer_model)
    if n_vocab != config["vocab_size"]:
        raise ValueError(f"{tokenizer_model} has {n_vocab} tokens, "
                         f"the model {config['vocab_size']}")
    return writer


def write_f16_gguf(hf_folder: Path, path: Path,
                   tokenizer_model: Path = driver.REPO_ROOT / "models" / "llama2-tokenizer"
                   / "tokenizer.model") -> Path:
    """The f16 GGUF of a Llama HF folder (2-D tensors f16, 1-D f32, attn_q/attn_k rows permuted
    like llama.cpp's converter; gguf_export.write_gguf's metadata), streamed: tensor infos are
    written from the safetensors headers, then each tensor is read, converted and written alone,
    so memory stays near one tensor (write_gguf holds the whole model as float32)."""
    import gguf
    from safetensors import safe_open
    from llmc.gguf_export import _tensor_order, gguf_name, permute_qk

    config = json.loads((hf_folder / "config.json").read_text())
    n_head, n_kv = config["num_attention_heads"], config["num_key_value_heads"]
    tmp = path.with_suffix(".gguf.tmp")
    writer = llama_gguf_writer(tmp, config, "tinyllama-shaped-random",
                               gguf.LlamaFileType.MOSTLY_F16, tokenizer_model)

    where = {}  # hf name -> (file, shape)
    for f in sorted(hf_folder.glob("*.safetensors")):
        with safe_open(str(f), framework="numpy") as st:
            for name in st.keys():
                where[name] = (f, tuple(st.get_slice(name).get_shape()))
    plan = []
    for hf_name in sorted(where, key=_tensor_order):
        name = gguf_name(hf_name)
        if name is None:
            continue
        f, shape = where[hf_name]
        dtype = np.float32 if len(shape) == 1 else np.float16
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        writer.add_tensor_info(name, shape, np.dtype(dtype), nbytes)
        plan.append((hf_name, name, f, dtype))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for hf_name, name, f, dtype in plan:
        with safe_open(str(f), framework="numpy") as st:
            w = st.get_tensor(hf_name)
        if ".attn_q." in name:
            w = permute_qk(w, n_head)
        elif ".attn_k." in name:
            w = permute_qk(w, n_kv)
        writer.write_tensor_data(np.ascontiguousarray(w, dtype=dtype))
        del w
    writer.close()
    os.replace(tmp, path)
    return path


def gguf_bytes(path: Path) -> dict:
    """Bytes of the GGUF's tensors: all, the token embedding, one embedding row, the types."""
    from gguf import GGUFReader
    reader = GGUFReader(str(path))
    total = sum(int(t.n_bytes) for t in reader.tensors)
    embd = next(t for t in reader.tensors if t.name == "token_embd.weight")
    rows = int(embd.shape[1])  # ggml order: (hidden, vocab)
    types = {t.name: t.tensor_type.name.lower() for t in reader.tensors}
    return {"tensor_bytes": total, "embed_bytes": int(embd.n_bytes), "embed_rows": rows,
            "embed_type": types["token_embd.weight"], "output_type": types.get("output.weight"),
            "types": gguf_tensor_types(path), "file_bytes": path.stat().st_size}


# ---- measurements -----------------------------------------------------------------------------

def measure_bandwidth(work: Path, threads: list[int], mib: int = 1024, passes: int = 10) -> dict:
    """GB/s (1e9 bytes/s) of reading a `mib` MiB buffer with each thread count; best pass. Waits
    for a quiet moment first when --wait-quiet asks."""
    src, exe = work / "read_bandwidth.cpp", work / "read_bandwidth"
    if not exe.exists() or not src.exists() or src.read_text() != BANDWIDTH_CPP:
        src.write_text(BANDWIDTH_CPP)
        subprocess.run(["g++", "-O3", "-march=native", "-pthread", "-o", str(exe), str(src)],
                       check=True)
    result = {}
    for t in threads:
        if QUIET["max_wait_s"] > 0:
            wait_for_quiet(QUIET["max_wait_s"])
        result[t] = float(subprocess.run([str(exe), str(mib), str(t), str(passes)], check=True,
                                         capture_output=True, text=True).stdout)
    return result


def _stamp(*parts) -> str:
    return json.dumps([str(p) for p in parts])


def llmc_build(gguf: Path, out: Path, target: str, extra: list[str]) -> tuple[Path, dict]:
    """Compiles `gguf` for `target` into `out` and builds it (g++, Release), unless `out` already
    holds a build from the same llmc binary, model file and options. Returns (build folder,
    {compile_s, build_s, weight_bytes, kv_cache_bytes, arena_bytes})."""
    llmc = driver.llmc_binary()
    st, gs = llmc.stat(), gguf.stat()
    stamp = _stamp("v3", llmc, st.st_mtime_ns, st.st_size, gguf, gs.st_mtime_ns, gs.st_size, target,
                   *extra)
    stamp_file = out / "bench-stamp.json"
    info = {}
    if stamp_file.is_file():
        saved = json.loads(stamp_file.read_text())
        if saved.get("stamp") == stamp and (out / "build" / "llm-run").is_file():
            info = saved["info"]
    if not info:
        t = time.time()
        driver.compile(gguf, out, "--target", target, "--context", str(N_CTX), *extra,
                       check=True, timeout=1800)
        info["compile_s"] = round(time.time() - t, 1)
        t = time.time()
        driver.build(out, cxx="g++", jobs=2, timeout=1800)
        info["build_s"] = round(time.time() - t, 1)
        calls = re.findall(r"\b(llmk_\w+)\(", (out / "model.cpp").read_text())
        info["kernel_calls"] = {k: calls.count(k) for k in sorted(set(calls))}
        # Which kernel sources were measured (the x86 kernels change often).
        info["kernel_sources_sha256"] = {
            f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:16]
            for f in sorted(out.glob("kernels_*.cpp"))}
        manifest = json.loads((out / "manifest.json").read_text())
        info.update(weight_bytes=manifest["weight_bytes"],
                    kv_cache_bytes=manifest["kv_cache_bytes"],
                    arena_bytes=manifest["arena_bytes"],
                    tensors_by_storage=manifest.get("tensors_by_storage"))
        stamp_file.write_text(json.dumps({"stamp": stamp, "info": info}, indent=2))
    return out / "build", info


_PROMPT_RE = re.compile(r"prompt ([0-9]+) tokens in ([0-9.]+) s")
_GEN_RE = re.compile(r"generated ([0-9]+) tokens in ([0-9.]+) s")


def llmc_run(build_dir: Path, tokens: list[int], steps: int, threads: int) -> dict:
    """One llm-run in a fresh child: prompt tok/s, decode tok/s, peak RSS.

    llm-run's "generated N tokens in S s" spans N samples and N - 1 llm_decode calls (the first
    token comes from the prompt's logits), so decode tok/s = (N - 1) / S: the same count of
    forward passes as llama.cpp's loop below."""
    cmd = [str(driver.executable(build_dir)), "--tokens", ",".join(map(str, tokens)),
           "--steps", str(steps), "--temperature", "0", "--ignore-eos", "--verbose",
           "--print-token-ids", "--threads", str(threads)]
    rss, proc, others = measured(cmd)
    p, g = _PROMPT_RE.search(proc.stderr), _GEN_RE.search(proc.stderr)
    r = {"rss_bytes": rss, "other_cores_busy": round(others, 2),
         "prompt_tokens": int(p.group(1)), "prompt_s": float(p.group(2))}
    r["prefill_tok_s"] = r["prompt_tokens"] / r["prompt_s"] if r["prompt_s"] > 0 else None
    if steps > 1:
        n, s = int(g.group(1)), float(g.group(2))
        r.update(decode_tokens=n - 1, decode_s=s, decode_tok_s=(n - 1) / s if s > 0 else None)
    return r


def llama_child(model: str, threads: int, n_prompt: int, steps: int, seed: int) -> dict:
    """Inside a fresh child: load `model`, evaluate an n_prompt-token prompt in one batch, then
    `steps` single-token evals feeding back the argmax. Times exclude loading."""
    import llama_cpp
    llm = llama_cpp.Llama(model_path=model, n_ctx=N_CTX, n_batch=N_BATCH, n_ubatch=N_BATCH,
                          n_threads=threads, n_threads_batch=threads, logits_all=False,
                          verbose=False)
    n_vocab = llm.n_vocab()
    ctx = llm._ctx.ctx

    def argmax() -> int:
        ptr = llama_cpp.llama_get_logits_ith(ctx, -1)
        return int(np.ctypeslib.as_array(ptr, shape=(n_vocab,)).argmax())

    prompt = bench_tokens(n_prompt, seed)
    llama_cpp.llama_perf_context_reset(ctx)
    t0 = time.perf_counter()
    llm.eval(prompt)
    token = argmax()
    t1 = time.perf_counter()
    for _ in range(steps):
        llm.eval([token])
        token = argmax()
    t2 = time.perf_counter()
    perf = llama_cpp.llama_perf_context(ctx)
    r = {"prompt_tokens": n_prompt, "prompt_s": t1 - t0, "prefill_tok_s": n_prompt / (t1 - t0),
         "internal_prompt_ms": perf.t_p_eval_ms, "internal_eval_ms": perf.t_eval_ms,
         "internal_n_eval": perf.n_eval}
    if steps:
        r.update(decode_tokens=steps, decode_s=t2 - t1, decode_tok_s=steps / (t2 - t1))
    llm.close()
    return r


def llama_run(model: Path, threads: int, n_prompt: int, steps: int, seed: int) -> dict:
    """llama_child in a fresh Python child; adds its peak RSS."""
    os.environ.update(child_env())
    cmd = [sys.executable, "-m", "llmc.bench_speed", "llama-child", str(model), str(threads),
           str(n_prompt), str(steps), str(seed)]
    rss, proc, others = measured(cmd)
    line = [l for l in proc.stdout.splitlines() if l.startswith("{")][-1]
    return dict(json.loads(line), rss_bytes=rss, other_cores_busy=round(others, 2))


def python_baseline_rss() -> int:
    """Peak RSS of a child that only imports llama_cpp and numpy: the Python part of the
    llama.cpp column's RSS."""
    rss, _, _ = measured([sys.executable, "-c", "import numpy, llama_cpp"])
    return rss


def bench_tokens(n: int, seed: int) -> list[int]:
    """n token ids, uniformly random in [3, 32000): no BOS/EOS/UNK, the same for both engines."""
    return [int(t) for t in np.random.default_rng(seed + n).integers(3, 32000, size=n)]


QUIET = {"max_wait_s": 0.0, "waited_s": 0.0}


def wait_for_quiet(max_wait: float, threshold: float = 0.3) -> None:
    """Waits (at most max_wait seconds) until other processes keep less than `threshold` of a
    core busy, sampled over half a second: on a shared machine, start a run in a lull."""
    start = time.time()
    while True:
        before, t = cpu_busy_seconds(), time.time()
        time.sleep(0.5)
        if (cpu_busy_seconds() - before) / (time.time() - t) < threshold or \
                time.time() - start >= max_wait:
            QUIET["waited_s"] += time.time() - start
            return


def interleaved(fns: dict, repeats: int, max_seconds: float) -> dict[str, list[dict]]:
    """{name: runs}: rounds in which each fn runs once, until it has run `repeats` times or its
    runs have taken max_seconds together (at least once). Each run waits for a quiet moment
    first (wait_for_quiet, up to QUIET["max_wait_s"])."""
    runs = {name: [] for name in fns}
    spent = {name: 0.0 for name in fns}
    while True:
        todo = [n for n in fns
                if len(runs[n]) < repeats and (not runs[n] or spent[n] < max_seconds)]
        if not todo:
            return runs
        for name in todo:
            if QUIET["max_wait_s"] > 0:
                wait_for_quiet(QUIET["max_wait_s"])
            t = time.time()
            runs[name].append(fns[name]())
            spent[name] += time.time() - t


def best(runs: list[dict], key: str) -> dict:
    """The run with the highest `key` (tok/s), with every run's value listed."""
    top = max(runs, key=lambda r: r.get(key) or 0)
    return dict(top, all=[round(r.get(key) or 0, 3) for r in runs],
                others_all=[r["other_cores_busy"] for r in runs],
                rss_bytes=max(r["rss_bytes"] for r in runs))


# ---- the benchmark ----------------------------------------------------------------------------

def per_token_bytes(weights: int, embed: int, embed_rows: int, kv_bytes_per_pos: int,
                    avg_pos: float) -> float:
    """Bytes a decode step reads: every weight but the token embedding, of which one row, plus the
    K and V of `avg_pos` earlier positions."""
    return weights - embed + embed / embed_rows + kv_bytes_per_pos * avg_pos


def speed(args) -> dict:
    work = Path(args.work)
    speed_dir = work / "speed"
    speed_dir.mkdir(parents=True, exist_ok=True)
    layers = args.layers
    config = dict(TINYLLAMA, num_hidden_layers=layers)
    hf = work / ("tinyllama-shaped-f16" + ("" if layers == 22 else f"-L{layers}"))
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    if not (hf / "model.safetensors.index.json").exists():
        log(f"writing {hf}")
        write_random_f16_folder(hf, config)
    tag = "" if layers == 22 else f"-L{layers}"
    f16 = speed_dir / f"tinyllama-shaped{tag}-f16.gguf"
    if not f16.exists():
        t = time.time()
        write_f16_gguf(hf, f16)
        log(f"wrote {f16} in {time.time() - t:.0f} s")
    schemes = [s for s in args.schemes.split(",") if s]
    threads = [int(t) for t in args.threads.split(",") if t]
    targets = [t for t in args.targets.split(",") if t]
    repeats = 1 if args.quick else args.repeats
    steps = 32 if args.quick else args.steps
    prefills = [int(n) for n in (args.prefill.split(",") if args.prefill else
                                 (["128"] if args.quick else ["128", "512"]))]
    if not driver.have_llmc():
        raise SystemExit(f"no llmc at {driver.llmc_binary()}: build it (make build) or set "
                         "LLMC_BIN")
    try:
        import llama_cpp
        have_llama = True
    except ImportError:
        have_llama = False
    ggufs = {"f16": f16}
    for s in list(schemes):
        if s == "f16":
            continue
        base, pure = s.removesuffix("-pure"), s.endswith("-pure")
        if base not in LLAMA_CPP_FTYPES:
            raise SystemExit(f"unknown scheme {s!r} (f16, {', '.join(LLAMA_CPP_FTYPES)}, "
                             "each optionally with -pure)")
        path = speed_dir / f"tinyllama-shaped{tag}-{s}.gguf"
        if not path.exists() and not have_llama:
            log(f"skipping {s}: its GGUF comes from llama.cpp's quantizer (llama-cpp-python)")
            schemes.remove(s)
            continue
        if not path.exists():
            t = time.time()
            llama_cpp_quantize(f16, path, base, pure=pure, threads=2)
            log(f"wrote {path} in {time.time() - t:.0f} s")
        ggufs[s] = path

    head_dim = config["hidden_size"] // config["num_attention_heads"]
    kv_per_pos = 2 * layers * config["num_key_value_heads"] * head_dim  # K and V elements
    avg_pos = DECODE_PROMPT + steps / 2
    bw_threads = sorted(set(threads) | {1})
    QUIET["max_wait_s"] = args.wait_quiet
    bandwidth_samples = [measure_bandwidth(speed_dir, bw_threads)]
    log("read bandwidth GB/s:", bandwidth_samples[0])
    result = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": _machine(), "layers": layers, "repeats": repeats,
        "decode": {"prompt": DECODE_PROMPT, "steps": steps}, "prefill_tokens": prefills,
        "n_ctx": N_CTX, "targets": targets, "max_seconds": args.max_seconds,
        "wait_quiet_s": args.wait_quiet,
        "llmc_extra_args": args.llmc_args.split() if args.llmc_args else [],
        "llmc_binary": {"path": str(driver.llmc_binary()),
                        "mtime": datetime.datetime.fromtimestamp(
                            driver.llmc_binary().stat().st_mtime).isoformat(timespec="seconds")},
        "read_bandwidth_gb_s": None, "read_bandwidth_samples": bandwidth_samples,
        "load_average_start": os.getloadavg(),
        "python_baseline_rss_bytes": None, "schemes": {}}
    if have_llama:
        result["llama_cpp_version"] = llama_cpp.__version__
        result["python_baseline_rss_bytes"] = python_baseline_rss()
    else:
        result["llama_cpp"] = f"not installed; install with: {LLAMA_CPP_INSTALL}"

    extra = result["llmc_extra_args"]
    for scheme in schemes:
        gguf = ggufs[scheme]
        gb = gguf_bytes(gguf)
        sr = result["schemes"].setdefault(scheme, {"gguf": str(gguf), "gguf_info": gb, "rows": {}})
        builds = {}
        for target in targets:
            out = speed_dir / f"llmc{tag}-{scheme}-{target}"
            log(f"llmc compile {gguf.name} --target {target}")
            builds[target], info = llmc_build(gguf, out, target, extra)
            # llmc's embedding: the GGUF's blocks or f16 rows, copied.
            info["bytes_per_token"] = per_token_bytes(info["weight_bytes"], gb["embed_bytes"],
                                                      gb["embed_rows"], kv_per_pos * 4, avg_pos)
            sr.setdefault("llmc", {})[target] = info
        if have_llama:
            # llama.cpp: its f16 KV cache; the GGUF's tensors as stored.
            sr["llama_cpp_bytes_per_token"] = per_token_bytes(
                gb["tensor_bytes"], gb["embed_bytes"], gb["embed_rows"], kv_per_pos * 2, avg_pos)
        if "generic" in builds:  # the reference kernels: slow, so decode only, 1 thread
            log(f"  {scheme} generic threads=1: decode")
            prompt = bench_tokens(4, args.seed)
            runs = interleaved({"generic": lambda: llmc_run(builds["generic"], prompt,
                                                            args.generic_steps, 1)},
                               repeats, args.max_seconds)["generic"]
            sr["rows"]["generic t1"] = {"target": "generic", "threads": 1,
                                        "llmc_decode": best(runs, "decode_tok_s")}
        fast = [t for t in targets if t != "generic"]
        for t in threads:
            lrow = sr.setdefault("llama_cpp", {}).setdefault(f"t{t}", {}) if have_llama else {}
            rows = {target: sr["rows"].setdefault(f"{target} t{t}",
                                                  {"target": target, "threads": t})
                    for target in fast}
            # Each figure alternates the engines run by run, so that both see the same moments
            # of a shared machine.
            for n in [0] + prefills:
                what = "decode" if n == 0 else f"prefill {n}"
                engines = fast + ["llama.cpp"] * have_llama
                log(f"  {scheme} threads={t}: {what} ({', '.join(engines)})")
                fns = {}
                for target in fast:
                    if n == 0:
                        prompt = bench_tokens(DECODE_PROMPT, args.seed)
                        fns[target] = (lambda b=builds[target], p=prompt:
                                       llmc_run(b, p, steps, t))
                    else:
                        fns[target] = (lambda b=builds[target], p=bench_tokens(n, args.seed):
                                       llmc_run(b, p, 1, t))
                if have_llama:
                    fns["llama.cpp"] = (
                        (lambda: llama_run(gguf, t, DECODE_PROMPT, steps - 1, args.seed)) if n == 0
                        else (lambda n=n: llama_run(gguf, t, n, 0, args.seed)))
                runs = interleaved(fns, repeats, args.max_seconds)
                key = "decode_tok_s" if n == 0 else "prefill_tok_s"
                name = "decode" if n == 0 else f"prefill_{n}"
                for target in fast:
                    rows[target]["llmc_" + name] = best(runs[target], key)
                if have_llama:
                    lrow[name] = best(runs["llama.cpp"], key)
                # What is done so far, in case the run is cut short.
                (speed_dir / "speed.partial.json").write_text(json.dumps(result, indent=2))
        bandwidth_samples.append(measure_bandwidth(speed_dir, bw_threads))
        log("read bandwidth GB/s:", bandwidth_samples[-1])
    # The machine is shared and its bandwidth drifts: it was measured before the first scheme and
    # after each; the roofline takes the best sample, so that no decode figure is compared with a
    # momentary dip.
    bandwidth = {t: max(b[t] for b in bandwidth_samples) for t in bw_threads}
    result["read_bandwidth_gb_s"] = bandwidth
    for sr in result["schemes"].values():
        for row in sr["rows"].values():
            target = sr["llmc"][row["target"]]
            row["llmc_roofline_tok_s"] = bandwidth[row["threads"]] * 1e9 / target["bytes_per_token"]
        for key, lrow in sr.get("llama_cpp", {}).items():
            lrow["roofline_tok_s"] = bandwidth[int(key[1:])] * 1e9 / sr["llama_cpp_bytes_per_token"]
    result["load_average_end"] = os.getloadavg()
    result["waited_for_quiet_s"] = round(QUIET["waited_s"], 1)
    return result


def _machine() -> dict:
    model = "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"Model name:\s*(.+)", out)
        model = m.group(1).strip() if m else model
    except OSError:
        pass
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    simd = [f for f in ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avxvnni", "amx_int8")
            if re.search(rf"\b{f}\b", flags)]
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpu": model, "cores": os.cpu_count(), "simd": simd,
            "memory_gib": round(mem / 2**30, 1), "kernel": platform.release(),
            "gxx": subprocess.run(["g++", "-dumpfullversion"], capture_output=True,
                                  text=True).stdout.strip()}


# ---- the table --------------------------------------------------------------------------------

def _f(x, fmt="{:.2f}"):
    return "-" if x is None else fmt.format(x)


def _ratio(a, b):
    return None if not a or not b else a / b


class _TableRow(NamedTuple):
    """One row of the table, formatted: the two tables (terminal, Markdown) differ only in how
    they lay out the RSS and roofline cells."""
    speeds: list[str]  # scheme, target, threads, then (llmc, llama.cpp, ratio) for each figure
    rss: str  # peak RSS MiB
    llama_cpp_rss: str
    rss_ratio: str
    roofline: str  # decode as % of the memory roofline
    llama_cpp_roofline: str
    others: str  # the most cores other processes kept busy during any figure of the row


def _table_rows(result: dict):
    """The table's rows (_TableRow), the generic target's last within each scheme."""
    for scheme, sr in result["schemes"].items():
        for key, row in sorted(sr["rows"].items(),
                               key=lambda kv: (kv[1]["target"] == "generic", kv[0])):
            t = row["threads"]
            lc = sr.get("llama_cpp", {}).get(f"t{t}", {})
            d = row["llmc_decode"].get("decode_tok_s")
            ld = lc.get("decode", {}).get("decode_tok_s")
            speeds = [scheme, row["target"], str(t), _f(d), _f(ld), _f(_ratio(d, ld))]
            for n in result["prefill_tokens"]:
                p = row.get(f"llmc_prefill_{n}", {}).get("prefill_tok_s")
                lp = lc.get(f"prefill_{n}", {}).get("prefill_tok_s")
                speeds += [_f(p, "{:.1f}"), _f(lp, "{:.1f}"), _f(_ratio(p, lp))]
            rss = row["llmc_decode"]["rss_bytes"] / 2**20
            lrss = lc.get("decode", {}).get("rss_bytes")
            lrss = lrss / 2**20 if lrss else None
            chosen = [v for v in list(row.values()) + list(lc.values())
                      if isinstance(v, dict) and "other_cores_busy" in v]
            yield _TableRow(
                speeds, _f(rss, "{:.0f}"), _f(lrss, "{:.0f}"), _f(_ratio(rss, lrss)),
                _f(100 * d / row["llmc_roofline_tok_s"] if d else None, "{:.0f}%"),
                _f(100 * ld / lc["roofline_tok_s"] if ld else None, "{:.0f}%"),
                _f(max(v["other_cores_busy"] for v in chosen), "{:.1f}"))


def print_speed_table(result: dict) -> None:
    m = result["machine"]
    bw = result["read_bandwidth_gb_s"]
    print(f"{m['cpu']}, {m['cores']} cores ({', '.join(m['simd'])}), {result['date']}; "
          f"read bandwidth " + ", ".join(f"{k} thread(s) {v:.1f} GB/s" for k, v in bw.items()))
    print(f"TinyLlama-1.1B-shaped random weights, {result['layers']} layers; decode: "
          f"{result['decode']['prompt']}-token prompt then {result['decode']['steps']} tokens "
          f"({result['decode']['steps'] - 1} forward passes timed); best of {result['repeats']}; "
          f"llama.cpp {result.get('llama_cpp_version', '-')}, n_ctx {result['n_ctx']}")
    if result.get("python_baseline_rss_bytes"):
        print(f"llama.cpp RSS includes Python: a child importing only numpy + llama_cpp peaks at "
              f"{result['python_baseline_rss_bytes'] / 2**20:.0f} MiB")
    print("others: the most cores that other processes kept busy during any figure of the row "
          "(0 = the machine was ours)")
    prefills = result["prefill_tokens"]
    head = ["scheme", "llmc target", "thr", "decode llmc", "llama.cpp", "ratio"]
    for n in prefills:
        head += [f"pp{n} llmc", "llama.cpp", "ratio"]
    head += ["RSS MiB llmc", "llama.cpp", "ratio", "roofline% llmc", "llama.cpp", "others"]
    rows = [head]
    for r in _table_rows(result):
        rows.append(r.speeds + [r.rss, r.llama_cpp_rss, r.rss_ratio, r.roofline,
                                r.llama_cpp_roofline, r.others])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        print("  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in
                        enumerate(zip(r, widths))))
    for scheme, sr in result["schemes"].items():
        g = sr["gguf_info"]
        print(f"{scheme}: GGUF {g['file_bytes'] / 2**20:.0f} MiB ({g['types']}); " + "; ".join(
            f"llmc {t} weights.bin {i['weight_bytes'] / 2**20:.0f} MiB, "
            f"{i['bytes_per_token'] / 2**20:.0f} MiB read per token"
            for t, i in sr.get("llmc", {}).items())
              + (f"; llama.cpp {sr['llama_cpp_bytes_per_token'] / 2**20:.0f} MiB read per token"
                 if "llama_cpp_bytes_per_token" in sr else ""))
    for scheme, sr in result["schemes"].items():
        for target, info in sr.get("llmc", {}).items():
            if target == "generic":
                continue
            prefix = "llmk_" + target.split("-")[-1] + "_"
            fallback = {k: v for k, v in info.get("kernel_calls", {}).items()
                        if k.startswith("llmk_linear_") and not k.startswith(prefix)}
            if fallback:
                print(f"{scheme} {target}: generic (single-threaded) linear kernels in model.cpp: "
                      + ", ".join(f"{k} x{v}" for k, v in fallback.items()))
    if "llama_cpp" in result:
        print("llama.cpp:", result["llama_cpp"])


def markdown_table(result: dict) -> str:
    """The table of print_speed_table in Markdown (for docs/performance.md)."""
    prefills = result["prefill_tokens"]
    head = ["scheme", "llmc target", "threads", "decode llmc", "llama.cpp", "ratio"]
    for n in prefills:
        head += [f"prefill {n} llmc", "llama.cpp", "ratio"]
    head += ["peak RSS MiB llmc / llama.cpp", "ratio", "decode % of roofline llmc / llama.cpp",
             "others"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in _table_rows(result):
        cells = r.speeds + [f"{r.rss} / {r.llama_cpp_rss}", r.rss_ratio,
                            f"{r.roofline} / {r.llama_cpp_roofline}", r.others]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def add_parser(sub) -> None:
    sp = sub.add_parser("speed", help="decode/prefill tok/s and RSS, llmc vs llama.cpp, "
                        "TinyLlama-shaped model, with the memory roofline")
    sp.add_argument("--work", default="build/bench",
                    help="folder for the model (cached) and WORK/speed/ outputs")
    sp.add_argument("--targets", default="x86-avx2,generic",
                    help="llmc targets (generic: decode only, 1 thread, --generic-steps)")
    sp.add_argument("--schemes", default="q8_0,q4_0,f16",
                    help="GGUF types from llama_model_quantize (its default rules: Q6_K output "
                    "under q4_0); SCHEME-pure: every matrix in SCHEME; f16: the f16 file itself "
                    "(both engines read f16 weights)")
    sp.add_argument("--threads", default="1,2")
    sp.add_argument("--repeats", type=int, default=3, help="best of N for every figure")
    sp.add_argument("--steps", type=int, default=128, help="decode tokens after a 32-token prompt")
    sp.add_argument("--generic-steps", type=int, default=5,
                    help="decode tokens for the generic target (after a 4-token prompt)")
    sp.add_argument("--prefill", default="", help="prefill lengths (default 128,512)")
    sp.add_argument("--layers", type=int, default=22, help="fewer layers for a quick try")
    sp.add_argument("--max-seconds", type=float, default=20,
                    help="no further repeats of a figure once its runs took this long")
    sp.add_argument("--llmc-args", default="", help="extra `llmc compile` options")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--wait-quiet", type=float, default=5,
                    help="before each run, wait up to this many seconds for other processes "
                    "to leave the CPUs idle (0: never wait)")
    sp.add_argument("--quick", action="store_true",
                    help="1 repeat, 32 decode tokens, prefill 128 only")


def run_command(args) -> int:
    result = speed(args)
    path = Path(args.work) / "speed" / "speed.json"
    write_results(path, result, markdown_table(result))
    print_speed_table(result)
    print(f"wrote {path} and {path.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "llama-child":
        _, _, model, threads, n_prompt, steps, seed = sys.argv
        print(json.dumps(llama_child(model, int(threads), int(n_prompt), int(steps), int(seed))))
        sys.exit(0)
    sys.exit("usage: python -m llmc.bench speed ... (see python -m llmc.bench speed --help)")
