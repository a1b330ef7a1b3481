"""Benchmarks (figures for notes and docs, never timed tests).

    python -m llmc.bench compile-memory [--work DIR] [--layers 22] [--steps 8]
    python -m llmc.bench quant-accuracy [--work DIR] [--gguf FILE] [--schemes q8_0,q4_0,...]
    python -m llmc.bench speed [--work DIR] [--targets x86-avx2,generic] [--quick] ...
    python -m llmc.bench arm-mca [--work DIR] [--isas neon,dotprod,i8mm] [--cpus ...]
    python -m llmc.bench streamed-7b [--work DIR] [--budget 256M] [--threads 2] [--clean]

compile-memory writes a TinyLlama-1.1B-shaped Hugging Face folder with random f16 weights
(hidden 2048, intermediate 5632, 22 layers, 32 heads, 4 KV heads, vocab 32000), compiles it with
llmc while measuring the compiler's peak RSS, builds the output and measures decode tokens/s of
the generated program with one thread.

quant-accuracy compiles stories260K with llmc in f32 and each quantization scheme and measures
perplexity and top-1 agreement with f32 on llmc.accuracy.STORY (teacher-forced, BOS + 350
tokens). When llama-cpp-python is installed it does the same with llama.cpp on the model's GGUF
(f32, quantized by llama_model_quantize to the same type; q4_k as LLAMA_FTYPE_MOSTLY_Q4_K_S),
checks that llama.cpp's f32 logits match llmc's, and also compiles each llama.cpp GGUF with llmc
(its quantized tensors are copied, not requantized) to separate the weights' quantization from
the kernels. It prints a table and writes WORK/quant-accuracy.json.

speed (llmc/bench_speed.py) runs llmc's generated code and llama.cpp on the same Q8_0, Q4_0 and
f16 GGUF files of the TinyLlama-shaped model: decode and prefill tokens/s at 1 and 2 threads, peak
RSS, and decode as a fraction of the measured memory-bandwidth roofline; see docs/performance.md.

arm-mca (llmc/bench_arm_mca.py) compares the ARM targets' q4_0 and q8_0 linear kernels with
llama.cpp's NEON, dotprod and i8mm kernels in llvm-mca cycles per 32 weights of their inner loops
on Cortex-A76, A55, Neoverse-N1 (and i8mm cores), and prints the Raspberry Pi 5 decode roofline.

streamed-7b (llmc/bench_streamed.py) runs a Llama-2-7B-shaped q4_0 model of random weights with
--weights-mode streamed: decode tokens/s against the file's read bandwidth measured in the same
run, peak RSS, and llama.cpp's default mmap on the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from llmc import bench_arm_mca, bench_speed, bench_streamed, driver
# What the subcommands share (the TinyLlama-shaped model, peak-RSS measurement, llama.cpp's
# quantizer) lives in bench_common, which imports neither bench nor bench_speed.
from llmc.bench_common import (LLAMA_CPP_FTYPES, LLAMA_CPP_INSTALL, TINYLLAMA, gguf_tensor_types,
                               hf_tensor_shapes, llama_cpp_quantize, run_measuring_rss,
                               write_random_f16_folder)


def compile_memory(args) -> dict:
    work = Path(args.work)
    config = dict(TINYLLAMA, num_hidden_layers=args.layers)
    model = work / "tinyllama-shaped-f16"
    if not (model / "config.json").exists():
        t = time.time()
        params = write_random_f16_folder(model, config)
        print(f"wrote {model} ({params / 1e9:.2f} B parameters) in {time.time() - t:.0f} s")
    params = sum(int(np.prod(s)) for _, s in hf_tensor_shapes(config))
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


QUANT_SCHEMES = ("q8_0", "q4_0", "q4_1", "q4_k", "q6_k")
STORIES_GGUF = driver.REPO_ROOT.parent / "shared" / "models" / "stories260K" / "stories260K.gguf"


def _llmc_eval(model, out: Path, tokens: list[int], *options: str) -> tuple[np.ndarray, int]:
    """Compiles `model` with llmc OPTIONS into `out`, builds it (g++, Release, one job) and returns
    (teacher-forced logits on tokens, bytes of weights.bin)."""
    from llmc import accuracy
    driver.compile(model, out, *options, check=True)
    build_dir = driver.build(out, cxx="g++", jobs=1)
    return accuracy.model_logits(build_dir, out, tokens), accuracy.weights_bytes(out)


def llama_cpp_logits(gguf_path: Path, tokens: list[int]) -> np.ndarray:
    """llama.cpp's logits of every position of `tokens` (one batch, one thread), float32
    (len(tokens), vocab). n_ctx is at least 512, the model's real context: stories260K's GGUF
    says 128 (the llama2.c converter's default), which llama.cpp only warns about. The KV cache
    is float32 like llmc's (llama.cpp's default f16 cache alone moves stories260K's f32 logits
    by up to 0.04), so the comparison measures the weights' quantization."""
    import llama_cpp
    n_ctx = max(512, len(tokens))
    llm = llama_cpp.Llama(model_path=str(gguf_path), n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx,
                          logits_all=True, n_threads=1, n_threads_batch=1, verbose=False,
                          type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32)
    try:
        llm.eval(list(tokens))
        return np.array(llm.scores[: len(tokens)], dtype=np.float32)
    finally:
        llm.close()


def quant_accuracy(args) -> dict:
    from llmc import accuracy
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    schemes = [s for s in args.schemes.split(",") if s]
    stories = driver.REPO_ROOT / "models" / "stories260K"
    checkpoint = [stories / "stories260K.bin", "--tokenizer", str(stories / "tok512.bin")]
    tokens = accuracy.story_tokens()
    result = {"model": "stories260K", "tokens": len(tokens), "schemes": {}}

    def row(scheme):
        return result["schemes"].setdefault(scheme, {})

    f32, size = _llmc_eval(checkpoint[0], work / "llmc-f32", tokens, *checkpoint[1:],
                           "--quant", "f32")
    row("f32").update(llmc_ppl=accuracy.perplexity(f32, tokens), llmc_top1=1.0,
                      llmc_weights_bytes=size)
    for scheme in schemes:
        logits, size = _llmc_eval(checkpoint[0], work / f"llmc-{scheme}", tokens,
                                  *checkpoint[1:], "--quant", scheme)
        row(scheme).update(llmc_ppl=accuracy.perplexity(logits, tokens),
                           llmc_top1=accuracy.top1_agreement(logits, f32),
                           llmc_top1_margin_0_1=accuracy.top1_agreement(logits, f32, 0.1),
                           llmc_weights_bytes=size)

    try:
        import llama_cpp
        result["llama_cpp_version"] = getattr(llama_cpp, "__version__", "?")
    except ImportError:
        result["llama_cpp"] = f"not installed; install with: {LLAMA_CPP_INSTALL}"
        return result
    gguf_f32 = Path(args.gguf)
    if not gguf_f32.is_file():
        result["llama_cpp"] = f"no f32 GGUF at {gguf_f32} (--gguf FILE)"
        return result
    ref = llama_cpp_logits(gguf_f32, tokens)
    diff = np.abs(ref.astype(np.float64) - f32)
    result["llama_cpp_f32_vs_llmc_f32"] = {
        "max_abs_diff": float(diff.max()), "max_abs_logit": float(np.abs(f32).max()),
        "top1_agreement": accuracy.top1_agreement(ref, f32),
        "within_tolerance": bool(diff.max() <= driver.tolerance(f32))}
    row("f32").update(llama_cpp_ppl=accuracy.perplexity(ref, tokens), llama_cpp_top1=1.0,
                      gguf_bytes=gguf_f32.stat().st_size, gguf_types=gguf_tensor_types(gguf_f32))
    for scheme in schemes:
        gguf_path = work / f"stories260K-{scheme}.gguf"
        llama_cpp_quantize(gguf_f32, gguf_path, scheme)
        logits = llama_cpp_logits(gguf_path, tokens)
        row(scheme).update(llama_cpp_ppl=accuracy.perplexity(logits, tokens),
                           llama_cpp_top1=accuracy.top1_agreement(logits, ref),
                           llama_cpp_ftype="LLAMA_FTYPE_" + LLAMA_CPP_FTYPES[scheme],
                           gguf_bytes=gguf_path.stat().st_size,
                           gguf_types=gguf_tensor_types(gguf_path))
        # The same GGUF compiled by llmc: the same quantized weights, llmc's kernels. llmc reads
        # no Q5_0, which llama.cpp's k-quant types fall back to for rows of 64.
        try:
            same, _ = _llmc_eval(gguf_path, work / f"llmc-gguf-{scheme}", tokens,
                                 "--context", "512")
        except driver.CompileError as e:
            row(scheme)["llmc_on_gguf"] = str(e).strip().splitlines()[-1]
            continue
        row(scheme).update(llmc_on_gguf_ppl=accuracy.perplexity(same, tokens),
                           llmc_on_gguf_top1_vs_llama_cpp=accuracy.top1_agreement(same, logits),
                           llmc_on_gguf_max_abs_diff=float(np.abs(same - logits).max()))
    return result


def print_quant_table(result: dict) -> None:
    print(f"stories260K, llmc.accuracy.STORY ({result['tokens']} tokens incl. BOS), "
          "perplexity = exp(mean NLL of tokens[1:]), top-1 = argmax agreement with f32")
    if "llama_cpp_f32_vs_llmc_f32" in result:
        c = result["llama_cpp_f32_vs_llmc_f32"]
        print(f"llama.cpp f32 vs llmc f32 logits: max |diff| {c['max_abs_diff']:.3g} "
              f"(max |logit| {c['max_abs_logit']:.3g}), top-1 agreement {c['top1_agreement']:.4f}"
              + ("" if c["within_tolerance"] else
                 "  WARNING: over llmc's logits tolerance; the columns below compare different models"))
    head = (f"{'scheme':7} {'llmc ppl':>9} {'top-1':>7} {'llama.cpp':>9} {'top-1':>7} {'ratio':>7} "
            f"{'llmc(gguf)':>10} {'weights.bin':>11} {'gguf':>9}  llama.cpp tensor types")
    print(head)
    for scheme, r in result["schemes"].items():
        lc = r.get("llama_cpp_ppl")
        cells = [f"{scheme:7}", f"{r['llmc_ppl']:9.4f}", f"{r['llmc_top1']:7.4f}",
                 f"{lc:9.4f}" if lc else f"{'-':>9}",
                 f"{r['llama_cpp_top1']:7.4f}" if lc else f"{'-':>7}",
                 f"{r['llmc_ppl'] / lc:7.4f}" if lc else f"{'-':>7}",
                 f"{r['llmc_on_gguf_ppl']:10.4f}" if "llmc_on_gguf_ppl" in r else f"{'-':>10}",
                 f"{r['llmc_weights_bytes']:11d}",
                 f"{r['gguf_bytes']:9d}" if "gguf_bytes" in r else f"{'-':>9}"]
        print(" ".join(cells) + ("  " + r["gguf_types"] if "gguf_types" in r else ""))
    for scheme, r in result["schemes"].items():
        if "llmc_on_gguf" in r:
            print(f"llmc(gguf) {scheme}: {r['llmc_on_gguf']}")
    if "llama_cpp" in result:
        print("llama.cpp:", result["llama_cpp"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmc.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    cm = sub.add_parser("compile-memory", help="peak RSS of llmc compile, decode tokens/s")
    cm.add_argument("--work", default="build/bench", help="folder for the model and outputs")
    cm.add_argument("--layers", type=int, default=22)
    cm.add_argument("--steps", type=int, default=8)
    qa = sub.add_parser("quant-accuracy",
                        help="perplexity per scheme on stories260K, llmc vs llama.cpp")
    qa.add_argument("--work", default="build/bench/quant-accuracy",
                    help="folder for compiled outputs and quantized GGUF files")
    qa.add_argument("--gguf", default=str(STORIES_GGUF), help="stories260K as an f32 GGUF")
    qa.add_argument("--schemes", default=",".join(QUANT_SCHEMES))
    bench_speed.add_parser(sub)
    bench_arm_mca.add_parser(sub)
    bench_streamed.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "speed":
        return bench_speed.run_command(args)
    if args.command == "arm-mca":
        return bench_arm_mca.run_command(args)
    if args.command == "streamed-7b":
        return bench_streamed.run_command(args)
    if args.command == "compile-memory":
        print(json.dumps(compile_memory(args), indent=2))
    else:
        result = quant_accuracy(args)
        (Path(args.work) / "quant-accuracy.json").write_text(json.dumps(result, indent=2))
        print_quant_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
