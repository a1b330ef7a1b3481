"""A compiled model embedded with add_subdirectory(out) allocates nothing after llm_open.

test/e2e/embed_app links `llm_model` into an application that counts every heap allocation
(operator new, and malloc & co. through the linker's --wrap) while it prefills and decodes.
"""

import subprocess

import pytest

from llmc import driver
from llmc.testing import STORIES_BIN, STORIES_TOK, REPO

APP = REPO / "test" / "e2e" / "embed_app"
PROMPT = [1, 403, 407, 261, 378]  # BOS "Once upon a time" in stories260K's vocabulary
STEPS = 24


def build_app(out, build_dir):
    for cmd in (["cmake", "-S", str(APP), "-B", str(build_dir), f"-DLLM_MODEL_OUT={out}",
                 "-DCMAKE_BUILD_TYPE=Release"],
                ["cmake", "--build", str(build_dir), "-j", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return build_dir / "embed_app"


@pytest.mark.parametrize("target,quant", [("generic", "f32"), ("generic", "q4_0"),
                                          ("x86-avx2", "q4_0"), ("x86-avx2", "q8_0")])
def test_no_allocation_after_open(tmp_path, target, quant):
    out = tmp_path / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", quant, check=True)
    app = build_app(out, tmp_path / "app")
    proc = subprocess.run([str(app), str(out / "weights.bin"), str(STEPS), "2",
                           *map(str, PROMPT)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(":", 1) for line in proc.stdout.strip().splitlines())
    # The counter sees llm_open's allocations (blob, arena, KV cache), so it does count...
    assert int(lines["allocations in open"]) > 0
    # ...and prefill plus decoding allocate nothing.
    assert int(lines["allocations after open"]) == 0

    # The embedded model generates what llm-run generates.
    ids, _ = driver.run(driver.build(out), PROMPT, STEPS, out=out)
    assert [int(t) for t in lines["tokens"].split()] == ids
