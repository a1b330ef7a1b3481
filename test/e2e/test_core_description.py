"""A split planned for unequal cores (`llmc compile --cores 4x2.0,4x1.0`) changes which thread
computes which rows, never what a row is.

Each output row is computed by one kernel call whatever the split, so stories260K compiled for a
description of unequal cores gives bit-identical tokens and logits to the build for 8 equal
cores, on any thread count: fewer threads than described cores (a thread then runs parts i,
i + threads, ...; docs/targets.md), as many, and more (the extra threads idle). The default
pinning of such a model (worker t on CPU t) leaves a worker unpinned where this machine has no
CPU t; a CPU list given with --cpus must exist. On x86-avx2 here, and on arm-dotprod (an
RK3588's order, slow cores first) cross-built with clang++ -Werror and run under qemu against
test_arm.py's build of the same model. `make test-tsan` runs the x86 test under
ThreadSanitizer too, which checks the static hand-out for races.
"""

import numpy as np
import pytest

from conftest import STORIES_BIN, STORIES_TOK, WERROR, build_for, skip_unless_runnable
from llmc import driver

pytestmark = pytest.mark.llmc

PROMPT = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315]  # prefill of 12 tokens
STEPS = 16
TARGET = "x86-avx2"


def compile_and_build(tmp_path, name, cores):
    out = tmp_path / name
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", TARGET,
                   "--quant", "q4_0", "--cores", cores, check=True)
    return out, driver.build(out, build_dir=tmp_path / f"{name}-build")


@pytest.mark.tsan
def test_unequal_cores_keep_every_logit(tmp_path):
    skip_unless_runnable(TARGET)
    equal_out, equal = compile_and_build(tmp_path, "equal", "8")
    big_little_out, big_little = compile_and_build(tmp_path, "big-little", "4x2.0,4x1.0")
    assert "llmrt_parallel_for_static" in (big_little_out / "model.cpp").read_text()
    ids, logits = driver.run(equal, PROMPT, STEPS, out=equal_out, extra=["--threads", "2"])
    assert len(ids) == STEPS
    for threads in (1, 3, 8, 11):
        got_ids, got = driver.run(big_little, PROMPT, STEPS, out=big_little_out,
                                  extra=["--threads", str(threads)])
        assert got_ids == ids, f"{threads} threads generate other tokens"
        assert np.array_equal(got, logits), \
            f"{threads} threads: max |diff| {np.abs(got - logits).max()}"
    got_ids, got = driver.run(big_little, PROMPT, STEPS, out=big_little_out,
                              extra=["--threads", "3", "--cpus", "off"])
    assert got_ids == ids and np.array_equal(got, logits), "--cpus off changed the output"

    # A CPU list must name CPUs this process may use: a clear error, not a crash.
    proc = driver.run_raw(big_little, "--weights", str(big_little_out / "weights.bin"),
                          "--tokens", "1,403", "--steps", "1", "--threads", "2",
                          "--cpus", "0,1048576")
    assert proc.returncode != 0
    assert "cannot pin thread 1 to CPU 1048576" in proc.stderr, proc.stderr


def test_arm_unequal_cores_keep_every_logit(tmp_path, workspace):
    target = "arm-dotprod"
    skip_unless_runnable(target)
    out = tmp_path / "big-little"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", "q4_0", "--cores", "4x1.0,4x2.0", check=True)
    build = build_for(target, out, cxx="clang++", build_dir=tmp_path / "build",
                      cxx_flags=WERROR)
    equal_out = workspace.compiled("stories_bin", target, "q4_0")  # --cores 8, the default
    equal = workspace.built("stories_bin", "clang++", WERROR, target=target, quant="q4_0")
    ids, logits = driver.run(equal, PROMPT, STEPS, out=equal_out, extra=["--threads", "2"])
    for threads in (3, 8):
        got_ids, got = driver.run(build, PROMPT, STEPS, out=out,
                                  extra=["--threads", str(threads)])
        assert got_ids == ids, f"{threads} threads generate other tokens"
        assert np.array_equal(got, logits), \
            f"{threads} threads: max |diff| {np.abs(got - logits).max()}"
