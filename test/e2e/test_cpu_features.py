"""A generated program refuses a CPU without the instruction sets its kernels were compiled for,
with a message naming them, instead of dying on an illegal instruction: x86-avx512 output run
under `qemu-x86_64-static -cpu Haswell` (which emulates AVX2, FMA and F16C, not AVX-512). The
x86-avx2 output runs there and gives the tokens it gives natively, so the check refuses only what
is missing."""

import shutil
import subprocess

import pytest

from conftest import STORIES_BIN, STORIES_TOK
from llmc import driver

pytestmark = pytest.mark.llmc

QEMU = shutil.which("qemu-x86_64-static")  # scripts/setup.sh installs qemu-user-static
PROMPT = [1, 403, 407, 261, 378]  # BOS "Once upon a time" in stories260K's vocabulary


def build(tmp_path, target):
    out = tmp_path / target
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", "q4_0", check=True)
    return driver.build(out)


def run_on_haswell(build_dir, *args):
    return subprocess.run([QEMU, "-cpu", "Haswell", str(driver.executable(build_dir)), *args],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(QEMU is None, reason="qemu-x86_64-static is not installed")
def test_avx512_output_names_what_a_haswell_lacks(tmp_path):
    proc = run_on_haswell(build(tmp_path, "x86-avx512"), "--tokens", "1,403", "--steps", "2",
                          "--temperature", "0")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)  # an error, not a signal
    error = [line for line in proc.stderr.splitlines() if line.startswith("llm-run:")]
    assert error == ["llm-run: error: this CPU lacks avx512f avx512bw avx512vl avx512vnni, which "
                     "the model's kernels were compiled for: compile the model for a target this "
                     "CPU has (llmc compile --target)"], proc.stderr


@pytest.mark.skipif(QEMU is None, reason="qemu-x86_64-static is not installed")
def test_avx2_output_runs_on_a_haswell(tmp_path):
    build_dir = build(tmp_path, "x86-avx2")
    native, _ = driver.run(build_dir, PROMPT, 8)
    proc = run_on_haswell(build_dir, "--tokens", ",".join(map(str, PROMPT)), "--steps", "8",
                          "--temperature", "0", "--print-token-ids")
    assert proc.returncode == 0, proc.stderr
    assert driver._parse_ids(proc.stdout) == native
