"""`python -m llmc.bench streamed-7b`: streamed weights on a Llama-2-7B-shaped q4_0 model.

    python -m llmc.bench streamed-7b [--work build/bench] [--budget 256M] [--threads 1,2]
                                     [--steps 8] [--repeats 2] [--clean]

1. A Llama-2-7B-shaped GGUF of random q4_0 weights (llmc.random_gguf: hidden 4096, intermediate
   11008, 32 layers, 32 heads, vocab 32000, every matrix Q4_0; 3.8 GB) is written once to
   WORK/streamed-7b/ (about 30 s).
2. llmc compiles it for --target with `--weights-mode streamed --weights-budget BUDGET` and the
   output is built with g++ (CMake Release). A budget llmc refuses as too small is recorded, and
   the least budget its message names is measured instead.
3. Each run first drops weights.bin from the page cache (POSIX_FADV_DONTNEED), measures the file's
   read bandwidth the way the readers read (O_DIRECT, a layer's size at a time in preads of
   8 MiB, two in flight, the first --bandwidth-bytes of the file), runs `llm-run --verbose` (a 4-token prompt, then --steps
   tokens, --dump-logits: every logit must be finite) in a fresh child whose peak RSS is
   measured, and measures the bandwidth again. Its figure: decode tok/s against the roofline
   (the mean of the two bandwidth samples / streamed bytes per token).
4. llama.cpp (llama-cpp-python, when importable) runs the same GGUF with its default mmap: the
   file dropped from the cache first, then load, the prompt and --steps tokens; tok/s and peak
   RSS. Under --memory-limit where one can be set (`systemd-run --user --scope -p MemoryMax=`);
   where none can, the result says why and the runs are unlimited.

Writes WORK/streamed-7b/streamed-7b.json and .md; docs/performance.md ("Streamed weights").
"""

from __future__ import annotations

import datetime
import json
import mmap
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from llmc import driver
from llmc.bench_common import measured, write_results
from llmc.random_gguf import LLAMA2_7B, write_random_q4_0_gguf

PROMPT_TOKENS = 4
READ_CHUNK = 1 << 23  # the readers' pieces (runtime/stream.cpp k_piece)
READERS = 2  # reads in flight (runtime/stream.cpp LLMRT_STREAM_READERS)

_STREAMED_RE = re.compile(r"streamed ([0-9]+) bytes per token \(([0-9]+) layers\), ([0-9]+) bytes "
                          r"in ([0-9.]+) passes; waited ([0-9.]+) s for the reader")
_PLAN_RE = re.compile(r"budget ([0-9]+) bytes, ([0-9]+) in use; the first ([0-9]+) of ([0-9]+) "
                      r"layers resident, the rest read per token \(([^)]*)\)")
_GEN_RE = re.compile(r"generated ([0-9]+) tokens in ([0-9.]+) s")
_PROMPT_RE = re.compile(r"prompt ([0-9]+) tokens in ([0-9.]+) s")


def parse_size(text: str) -> int:
    """'256M' -> 268435456 (K, M, G powers of 1024, as llmc --weights-budget reads them)."""
    m = re.fullmatch(r"([0-9]+)([KMG]?)", text.strip().upper())
    if not m:
        raise SystemExit(f"not a size: {text!r} (e.g. 256M)")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def drop_from_page_cache(path: Path) -> None:
    """Asks the kernel to drop the file's clean pages from the page cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def direct_read_bandwidth(path: Path, start: int, length: int, unit: int) -> float:
    """Bytes/s of reading [start, start + length) of `path` as the streamed readers do: O_DIRECT
    (falling back to plain reads after dropping the file from the cache where the file system
    refuses it), `unit`-byte reads split into READ_CHUNK pieces, offsets 4096-aligned, READERS
    threads each taking the next piece (preads release the GIL, so both are in flight)."""
    import threading
    align = 4096
    start -= start % align
    unit = (unit + align - 1) // align * align
    flags = os.O_RDONLY | getattr(os, "O_DIRECT", 0)
    probe = mmap.mmap(-1, align)  # page-aligned, as O_DIRECT wants
    try:
        fd = os.open(path, flags)
        os.preadv(fd, [probe], start)
    except OSError:
        drop_from_page_cache(path)
        fd = os.open(path, os.O_RDONLY)
    finally:
        probe.close()
    pieces = iter([(unit_at + at, min(READ_CHUNK, unit_size - at))
                   for unit_at in range(start, start + length, unit)
                   for unit_size in [min(unit, start + length - unit_at)]
                   for at in range(0, unit_size, READ_CHUNK)])
    lock = threading.Lock()
    done = [0]

    def reader() -> None:
        buf = mmap.mmap(-1, READ_CHUNK)
        try:
            while True:
                with lock:
                    piece = next(pieces, None)
                if piece is None:
                    return
                offset, size = piece
                got = os.preadv(fd, [memoryview(buf)[:size]], offset)
                with lock:
                    done[0] += got
        finally:
            buf.close()

    t = time.perf_counter()
    try:
        threads = [threading.Thread(target=reader) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return done[0] / (time.perf_counter() - t)
    finally:
        os.close(fd)


def memory_limit_prefix(limit: int) -> tuple[list[str] | None, str]:
    """(command prefix that runs a command under a memory limit of `limit` bytes, how) or
    (None, why none can be set here)."""
    probe = ["systemd-run", "--user", "--scope", "--quiet", "-p", f"MemoryMax={limit}"]
    try:
        proc = subprocess.run(probe + ["true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"systemd-run: {e}"
    if proc.returncode == 0:
        return probe, "systemd-run --user --scope -p MemoryMax"
    return None, (f"`systemd-run --user --scope -p MemoryMax={limit} true` failed: "
                  f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")


def llmc_streamed_run(build_dir: Path, weights: Path, steps: int, threads: int,
                      prefix: list[str] | None) -> dict:
    """weights.bin dropped from the cache, then one llm-run in a fresh child: its timings, the
    reader's figures, peak RSS and whether every logit was finite (random weights whose scale
    let activations overflow would time the same and mean nothing)."""
    import numpy as np
    drop_from_page_cache(weights)
    logits_file = weights.parent / "bench-logits.f32"
    cmd = [str(driver.executable(build_dir)), "--weights", str(weights),
           "--dump-logits", str(logits_file),
           "--tokens", ",".join(str(t) for t in range(100, 100 + PROMPT_TOKENS)),
           "--steps", str(steps), "--temperature", "0", "--ignore-eos", "--verbose",
           "--print-token-ids", "--threads", str(threads)]
    rss, proc, others = measured((prefix or []) + cmd)
    err = proc.stderr
    s, plan, g, p = (_STREAMED_RE.search(err), _PLAN_RE.search(err), _GEN_RE.search(err),
                     _PROMPT_RE.search(err))
    if not (s and plan and g and p):
        raise RuntimeError(f"unexpected llm-run output:\n{err}")
    logits = np.fromfile(logits_file, dtype=np.float32)
    logits_file.unlink()
    n, secs = int(g.group(1)), float(g.group(2))
    total_s = float(p.group(2)) + secs
    return {"threads": threads, "rss_bytes": rss, "other_cores_busy": round(others, 2),
            "budget_bytes": int(plan.group(1)), "buffer_bytes": int(plan.group(2)),
            "resident_layers": int(plan.group(3)), "layers": int(plan.group(4)),
            "read_mode": plan.group(5), "bytes_per_token": int(s.group(1)),
            "bytes_read": int(s.group(3)), "passes": float(s.group(4)),
            "reader_wait_s": float(s.group(5)), "prompt_s": float(p.group(2)),
            "decode_tokens": n - 1, "decode_s": secs,
            "decode_tok_s": (n - 1) / secs if secs > 0 else None,
            "run_s": total_s, "tokens": proc.stdout.split()[:PROMPT_TOKENS + steps],
            "logits_finite": bool(np.isfinite(logits).all()) and logits.size > 0,
            "logits_max_abs": float(np.abs(logits).max()) if logits.size else None}


def llama_cpp_run(gguf: Path, steps: int, threads: int, prefix: list[str] | None) -> dict:
    """llama.cpp on the GGUF (default mmap), the file dropped from the cache first: bench_speed's
    llama child (load, a PROMPT_TOKENS prompt, steps tokens) in a fresh process; its wall time
    including the load, tok/s and peak RSS."""
    from llmc.bench_common import child_env
    drop_from_page_cache(gguf)
    os.environ.update(child_env())
    cmd = [sys.executable, "-m", "llmc.bench_speed", "llama-child", str(gguf), str(threads),
           str(PROMPT_TOKENS), str(steps), "0"]
    t = time.time()
    rss, proc, others = measured((prefix or []) + cmd)
    line = [l for l in proc.stdout.splitlines() if l.startswith("{")][-1]
    return dict(json.loads(line), threads=threads, rss_bytes=rss, wall_s=round(time.time() - t, 1),
                other_cores_busy=round(others, 2))


def llmc_streamed_build(gguf: Path, out: Path, target: str, budget: int, context: int) -> Path:
    """Compiles and builds (cached in `out` by bench_speed.llmc_build's stamp)."""
    from llmc.bench_speed import llmc_build
    build_dir, _ = llmc_build(gguf, out, target, ["--weights-mode", "streamed",
                                                   "--weights-budget", str(budget),
                                                   "--context", str(context)])
    return build_dir


def streamed_7b(args) -> dict:
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    work = Path(args.work) / "streamed-7b"
    work.mkdir(parents=True, exist_ok=True)
    gguf = work / "llama2-7b-shaped-q4_0.gguf"
    if not gguf.exists():
        t = time.time()
        write_random_q4_0_gguf(gguf, LLAMA2_7B)
        log(f"wrote {gguf} ({gguf.stat().st_size / 1e9:.2f} GB) in {time.time() - t:.0f} s")
    asked = parse_size(args.budget)
    budget, refused = asked, None
    out = work / f"llmc-streamed-{args.target}"
    log(f"llmc compile {gguf.name} --weights-mode streamed --weights-budget {budget}")
    try:
        build_dir = llmc_streamed_build(gguf, out, args.target, budget, args.context)
    except driver.CompileError as e:
        # Too small a budget: measure with the least one, which llmc's refusal names.
        least = re.search(r"need at least ([0-9]+) bytes", str(e))
        if not least:
            raise
        refused = str(e).strip().splitlines()[-1]
        budget = int(least.group(1))
        log(refused, f"-> the least budget, {budget} bytes")
        build_dir = llmc_streamed_build(gguf, out, args.target, budget, args.context)
    weights = out / "weights.bin"
    manifest = json.loads((out / "manifest.json").read_text())
    layers = manifest["streamed"]["layers"]
    limit = parse_size(args.memory_limit)
    prefix, how = memory_limit_prefix(limit)
    log("memory limit:", how)
    threads = [int(t) for t in args.threads.split(",") if t]
    result = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "model": dict(LLAMA2_7B, gguf_bytes=gguf.stat().st_size, types="q4_0 (norms f32)"),
              "target": args.target, "budget_asked_bytes": asked, "budget_refused": refused,
              "budget_bytes": budget, "context": args.context,
              "weights_bin_bytes": weights.stat().st_size,
              "manifest_streamed": manifest["streamed"], "ram_bytes": manifest.get("ram_bytes"),
              "prompt_tokens": PROMPT_TOKENS, "steps": args.steps,
              "memory_limit_bytes": limit, "memory_limit": how if prefix else None,
              "memory_limit_unavailable": None if prefix else how,
              "llmc": [], "llama_cpp": []}
    try:
        import llama_cpp
        result["llama_cpp_version"] = llama_cpp.__version__
        have_llama = True
    except ImportError:
        result["llama_cpp_version"] = None
        have_llama = False
    size = weights.stat().st_size
    layer_bytes = size // layers
    for _ in range(args.repeats):
        for t in threads:
            bw_before = direct_read_bandwidth(weights, 0, min(size, args.bandwidth_bytes),
                                              layer_bytes)
            run = llmc_streamed_run(build_dir, weights, args.steps, t, prefix)
            bw_after = direct_read_bandwidth(weights, 0, min(size, args.bandwidth_bytes),
                                             layer_bytes)
            bw = (bw_before + bw_after) / 2
            run.update(bandwidth_before=bw_before, bandwidth_after=bw_after,
                       roofline_tok_s=bw / run["bytes_per_token"],
                       ratio=run["decode_tok_s"] * run["bytes_per_token"] / bw)
            result["llmc"].append(run)
            log(f"llmc t{t}: {run['decode_tok_s']:.3f} tok/s, {run['bytes_per_token'] / 1e6:.0f} MB"
                f"/token, read {bw_before / 1e9:.2f}/{bw_after / 1e9:.2f} GB/s -> ratio "
                f"{run['ratio']:.2f}; waited {run['reader_wait_s']:.1f} s of "
                f"{run['run_s']:.1f}; peak RSS {run['rss_bytes'] / 2**20:.0f} MiB; logits "
                f"{'finite' if run['logits_finite'] else 'NOT FINITE'}, max |logit| "
                f"{run['logits_max_abs']:.3g}")
            if have_llama:
                lrun = llama_cpp_run(gguf, args.steps, t, prefix)
                result["llama_cpp"].append(lrun)
                log(f"llama.cpp t{t}: {lrun['decode_tok_s']:.3f} tok/s decode, prompt "
                    f"{lrun['prompt_s']:.1f} s, {lrun['wall_s']:.0f} s in all; peak RSS "
                    f"{lrun['rss_bytes'] / 2**20:.0f} MiB")
            (work / "streamed-7b.partial.json").write_text(json.dumps(result, indent=2))
    if args.clean:  # the GGUF and the compiled folder (its weights.bin: 3.8 GB each)
        import shutil
        gguf.unlink()
        shutil.rmtree(out)
    return result


def _range(values, fmt) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else \
        f"{fmt.format(lo)}-{fmt.format(hi)}"


def markdown_table(result: dict) -> str:
    """Per thread count: the range over the repeats of each figure."""
    head = ["engine", "threads", "decode tok/s", "peak RSS MiB", "read GB/s (before / after)",
            "MB read per token", "roofline tok/s", "tok/s / roofline", "reader wait s / run s"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for t in sorted({r["threads"] for r in result["llmc"]}):
        rs = [r for r in result["llmc"] if r["threads"] == t]
        lines.append("| " + " | ".join([
            "llmc streamed", str(t), _range([r["decode_tok_s"] for r in rs], "{:.3f}"),
            _range([r["rss_bytes"] / 2**20 for r in rs], "{:.0f}"),
            ", ".join(f"{r['bandwidth_before'] / 1e9:.2f} / {r['bandwidth_after'] / 1e9:.2f}"
                      for r in rs),
            _range([r["bytes_per_token"] / 1e6 for r in rs], "{:.0f}"),
            _range([r["roofline_tok_s"] for r in rs], "{:.3f}"),
            _range([r["ratio"] for r in rs], "{:.2f}"),
            ", ".join(f"{r['reader_wait_s']:.1f} / {r['run_s']:.1f}" for r in rs)]) + " |")
        ls = [r for r in result["llama_cpp"] if r["threads"] == t]
        if ls:
            lines.append("| " + " | ".join([
                "llama.cpp mmap", str(t), _range([r["decode_tok_s"] for r in ls], "{:.3f}"),
                _range([r["rss_bytes"] / 2**20 for r in ls], "{:.0f}"), "", "", "", "",
                ""]) + " |")
    return "\n".join(lines) + "\n"


def add_parser(sub) -> None:
    sp = sub.add_parser("streamed-7b", help="streamed weights on a Llama-2-7B-shaped q4_0 model: "
                        "tok/s against the file's read bandwidth, peak RSS, llama.cpp mmap")
    sp.add_argument("--work", default="build/bench", help="WORK/streamed-7b/ holds everything")
    sp.add_argument("--target", default="x86-avx2")
    sp.add_argument("--budget", default="256M", help="llmc compile --weights-budget")
    sp.add_argument("--context", type=int, default=512)
    sp.add_argument("--threads", default="2")
    sp.add_argument("--steps", type=int, default=8, help="tokens after a 4-token prompt")
    sp.add_argument("--repeats", type=int, default=2)
    sp.add_argument("--bandwidth-bytes", type=int, default=1 << 30,
                    help="bytes of weights.bin read for each bandwidth sample")
    sp.add_argument("--memory-limit", default="400M",
                    help="run both engines under this memory limit where one can be set")
    sp.add_argument("--clean", action="store_true",
                    help="delete the GGUF and the compiled folder (3.8 GB each) at the end")


def run_command(args) -> int:
    result = streamed_7b(args)
    path = Path(args.work) / "streamed-7b" / "streamed-7b.json"
    write_results(path, result, markdown_table(result))
    print(markdown_table(result))
    if result["budget_refused"]:
        print(f"{result['budget_refused']}: measured with that least budget")
    if result["memory_limit_unavailable"]:
        print("no memory limit:", result["memory_limit_unavailable"])
    print(f"wrote {path} and {path.with_suffix('.md')}")
    return 0
