"""A compiled model embedded with add_subdirectory(out) allocates nothing after llm_open.

test/e2e/embed_app links `llm_model` into an application that counts every heap allocation
(operator new, and malloc & co. through the linker's --wrap) while it prefills and decodes, and
every file it opens. With its weights compiled into the program (llm_open_memory) it runs
without weights.bin.
"""

import re
import subprocess

import pytest

from llmc import driver
from llmc.testing import STORIES_BIN, STORIES_TOK, REPO

APP = REPO / "test" / "e2e" / "embed_app"
PROMPT = [1, 403, 407, 261, 378]  # BOS "Once upon a time" in stories260K's vocabulary
STEPS = 24
SAMPLING = dict(temperature=0.8, top_p=0.9, seed=42,  # embed_app's llm_generate
                extra=["--top-k", "40", "--min-p", "0.05", "--repeat-penalty", "1.3",
                       "--presence-penalty", "0.2", "--penalty-window", "16"])


def reference(out):
    """llm-run's greedy and sampled tokens for PROMPT."""
    build = driver.build(out)
    greedy, _ = driver.run(build, PROMPT, STEPS, out=out)
    sampled, _ = driver.run(build, PROMPT, STEPS, out=out, **SAMPLING)
    return greedy, sampled


def build_app(out, build_dir, *options):
    for cmd in (["cmake", "-S", str(APP), "-B", str(build_dir), f"-DLLM_MODEL_OUT={out}",
                 "-DCMAKE_BUILD_TYPE=Release", *options],
                ["cmake", "--build", str(build_dir), "-j", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return build_dir / "embed_app"


def run_app(app, source, threads=2, cwd=None):
    """embed_app's report: {"tokens": [...], "allocations in open": n, ..., "short arena": text}."""
    proc = subprocess.run([str(app), str(source), str(STEPS), str(threads), *map(str, PROMPT)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    report = {}
    for line in proc.stdout.strip().splitlines():
        key, value = line.split(": ", 1)
        if key in ("tokens", "sampled"):
            report[key] = [int(t) for t in value.split()]
        else:
            report[key] = int(value) if value.isdigit() else value
    return report


def model_h_constant(out, name):
    match = re.search(rf"#define {name} (\d+)", (out / "model.h").read_text())
    assert match, f"model.h has no {name}"
    return int(match.group(1))


def write_weights_source(weights, path):
    """A .cpp that holds weights.bin as a 64-byte aligned array, as an embedder would write it."""
    data = weights.read_bytes()
    rows = (",".join(str(b) for b in data[i:i + 32]) for i in range(0, len(data), 32))
    path.write_text("// weights.bin as bytes compiled into the program.\n"
                    "#include <cstddef>\n\n"
                    'extern "C" const unsigned char llm_weights[];\n'
                    'extern "C" const size_t llm_weights_size;\n\n'
                    "alignas(64) const unsigned char llm_weights[] = {\n"
                    + ",\n".join(rows) +
                    "\n};\nconst size_t llm_weights_size = sizeof(llm_weights);\n")


@pytest.mark.parametrize("target,quant", [("generic", "f32"), ("generic", "q4_0"),
                                          ("x86-avx2", "q4_0"), ("x86-avx2", "q8_0")])
def test_no_allocation_after_open(tmp_path, target, quant):
    out = tmp_path / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", quant, check=True)
    app = build_app(out, tmp_path / "app")
    report = run_app(app, out / "weights.bin")
    # The counter sees llm_open's allocations, so it does count: the arena and the KV cache, and
    # the thread pool on threaded targets; weights.bin is mapped, not copied to the heap.
    if target == "generic":
        assert report["allocations in open"] == 2
    else:
        assert report["allocations in open"] >= 2
    # ...and prefill, decoding and llm_generate's sampling allocate nothing.
    assert report["allocations after open"] == 0

    # The embedded model generates what llm-run generates.
    ids, sampled = reference(out)
    assert report["tokens"] == ids
    assert report["sampled"] == sampled


@pytest.mark.parametrize("target,quant", [("generic", "f32"), ("x86-avx2", "q4_0")])
def test_weights_compiled_into_the_program(tmp_path, target, quant):
    """llm_open_memory and llm_open_with_options on an array in the program: no weights.bin, no
    file opened, no heap after open (none at all with caller buffers and one thread, sampling
    included), and the tokens llm-run gives, greedy and sampled."""
    out = tmp_path / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", quant, check=True)
    ids, sampled = reference(out)
    source = tmp_path / "weights.cpp"
    write_weights_source(out / "weights.bin", source)
    app = build_app(out, tmp_path / "app", f"-DLLM_WEIGHTS_SOURCE={source}")

    hidden = tmp_path / "elsewhere.bin"
    (out / "weights.bin").rename(hidden)  # nothing can read the file now
    run_dir = tmp_path / "empty"
    run_dir.mkdir()
    report = run_app(app, "memory", cwd=run_dir)
    assert report["files opened"] == 0
    assert report["allocations in open"] >= 2  # the arena and KV cache: the counter counts
    if target == "generic":
        assert report["allocations in open"] == 2
    assert report["allocations after open"] == 0
    assert report["tokens"] == ids
    assert report["sampled"] == sampled

    # With the caller's arena and KV cache (static arrays sized by model.h, filled with garbage)
    # and one thread, the whole run allocates nothing.
    report = run_app(app, "buffers", threads=1, cwd=run_dir)
    assert report["files opened"] == 0
    assert report["allocations in open"] == 0
    assert report["allocations in set_threads"] == 0
    assert report["allocations after open"] == 0
    assert report["tokens"] == ids
    assert report["sampled"] == sampled
    arena = model_h_constant(out, "LLM_MODEL_ARENA_BYTES")
    assert report["short arena"] == (
        f"bad argument: llm_open_with_options: arena is {arena - 1} bytes but the model needs "
        f"{arena} (llm_memory_requirements)")
    assert report["misaligned arena"].startswith("bad argument: llm_open_with_options: arena at ")
    assert report["misaligned arena"].endswith("is not 64-byte aligned (8 bytes past a boundary)")
    if target != "generic":
        # More threads take a pool from the heap, once, in llm_set_threads: the pool, its worker
        # list and one std::thread per worker (n + 1 blocks for n threads); none per token.
        report = run_app(app, "buffers", threads=2, cwd=run_dir)
        assert report["allocations in set_threads"] == 3
        assert report["allocations after open"] == 0
        assert report["tokens"] == ids

    # The same program opening the file does open it: the file counter counts.
    from_file = run_app(app, hidden)
    assert from_file["files opened"] >= 1
    assert from_file["tokens"] == ids
