"""Compiled random Llama models against transformers (float32), every logits row.

For each configuration: compile, build out/, greedy-decode from a random prompt with llm-run,
then teacher-force transformers on prompt + generated tokens and compare every row that llm-run
dumped (the prompt's rows and each generated token fed back).
"""

import json
import os
import shutil

import numpy as np
import pytest
from safetensors import safe_open

from conftest import ARM_TARGETS, WERROR, cxx_or_skip, random_prompt, skip_unless_runnable
from llmc import driver, hf_models, reference

pytestmark = pytest.mark.llmc

PROMPT_LEN, STEPS = 10, 10


def check_against_transformers(workspace, name: str, build_dir, target: str = "generic"):
    spec = hf_models.TEST_SPECS[name]
    prompt = random_prompt(spec.vocab_size, PROMPT_LEN, seed=spec.seed)
    ids, logits = driver.run(build_dir, prompt, STEPS, out=workspace.compiled(name, target),
                             extra=["--threads", "2"])
    assert len(ids) == STEPS, f"asked for {STEPS} tokens with --ignore-eos, got {ids}"
    assert logits.shape == (PROMPT_LEN + STEPS - 1, spec.vocab_size)
    # Greedy: each generated token is the argmax of the row before it.
    assert ids == [int(t) for t in logits[PROMPT_LEN - 1:].argmax(1)], ids
    ref = reference.hf_logits(workspace.hf_model(name), prompt + ids[:-1])
    driver.check_close(logits, ref, f"{name} vs transformers")


@pytest.mark.asan
@pytest.mark.parametrize("name", list(hf_models.TEST_SPECS))
def test_gcc(workspace, name):
    check_against_transformers(workspace, name, workspace.built(name, "g++"))


@pytest.mark.asan
@pytest.mark.parametrize("target", ["x86-avx2", "x86-avx512"])
@pytest.mark.parametrize("name", list(hf_models.TEST_SPECS))
def test_x86(workspace, name, target):
    """The x86 targets (their microkernels, two threads) on float weights: the same bound;
    x86-avx512 where the CPU runs it."""
    skip_unless_runnable(target)
    check_against_transformers(workspace, name, workspace.built(name, "g++", target=target),
                               target=target)


@pytest.mark.asan
@pytest.mark.parametrize("name", ["gqa_llama3", "tied"])
def test_clang(workspace, name):
    cxx_or_skip("clang++")
    check_against_transformers(workspace, name, workspace.built(name, "clang++"))


@pytest.mark.parametrize("target", ["generic", "x86-avx2"])
@pytest.mark.parametrize("cxx", ["g++", "clang++"])
def test_warning_free(workspace, cxx, target):
    """The generated sources build under -Wall -Wextra -Werror (odd sizes: most remainders),
    and that build still computes the right logits."""
    cxx_or_skip(cxx)
    build_dir = workspace.built("odd_sizes", cxx, WERROR, target=target)
    # WERROR first: $LLMC_OUT_SANITIZE's flags may follow (driver.build).
    assert f"CMAKE_CXX_FLAGS:STRING={WERROR}" in (build_dir / "CMakeCache.txt").read_text()
    check_against_transformers(workspace, "odd_sizes", build_dir, target)


@pytest.mark.parametrize("target", ["generic", "x86-avx2", "x86-avx512"])
def test_bf16_matrices_stay_bf16(workspace, tmp_path, target):
    """A bf16 checkpoint (as Hugging Face Llamas usually are) compiled without --quant keeps its
    matrices bf16 in weights.bin, half of float32's bytes; the bf16 kernels widen each weight
    exactly as they read it, so every logit is bit-identical to the same model compiled with
    --quant f32 (test_gcc / test_x86 check the bf16 build against transformers too)."""
    skip_unless_runnable(target)
    spec = hf_models.TEST_SPECS["bf16"]
    folder = workspace.hf_model("bf16")
    with safe_open(folder / "model.safetensors", "np") as f:  # numpy cannot hold bf16: shapes only
        matrices = sum(len(f.get_slice(name).get_shape()) == 2 for name in f.keys())
    out = workspace.compiled("bf16", target)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tensors_by_storage"]["bf16"] == matrices, manifest["tensors_by_storage"]
    isa = "generic" if target == "generic" else target[4:]
    kernel = f"llmk_{isa}_linear_bf16_rows"
    assert kernel in (out / "model.cpp").read_text()

    f32_out = tmp_path / "f32"
    driver.compile(folder, f32_out, "--target", target, "--quant", "f32", check=True)
    f32_manifest = json.loads((f32_out / "manifest.json").read_text())
    assert "bf16" not in f32_manifest["tensors_by_storage"]
    assert manifest["weight_bytes"] < 0.55 * f32_manifest["weight_bytes"]

    prompt = random_prompt(spec.vocab_size, PROMPT_LEN, seed=spec.seed)
    bf16_ids, bf16_logits = driver.run(workspace.built("bf16", "g++", target=target), prompt,
                                       STEPS, out=out, extra=["--threads", "2"])
    f32_ids, f32_logits = driver.run(driver.build(f32_out, build_dir=tmp_path / "f32-build"),
                                     prompt, STEPS, out=f32_out, extra=["--threads", "2"])
    assert bf16_ids == f32_ids
    assert np.array_equal(bf16_logits, f32_logits), np.abs(bf16_logits - f32_logits).max()


# stories260K on the targets the weights-mode matrices below and test_streamed_weights.py cover
# besides generic, x86-avx2 and arm-neon, as float and as q4_0, which arm-dotprod and arm-i8mm
# store in their packed layouts (test_arm_pack_weights.py), each mode reading those bytes.
PACKED_MODE_CASES = [("stories_bin", target, quant)
                     for target in ("x86-avx512", "arm-dotprod", "arm-i8mm")
                     for quant in ("f32", "q4_0")]


def mode_compiler(target, quant):
    """(C++ compiler, CMAKE_CXX_FLAGS) of a weights-mode case's builds, those of the other tests'
    builds of the same folder, so that its mapped build is theirs: test_arm.py builds a --quant
    stories260K for ARM with clang++ under -Werror, test_thread_counts.py for x86 with g++."""
    if quant is not None and target in ARM_TARGETS:
        cxx_or_skip("clang++")
        return "clang++", WERROR
    return "g++", None


def built_in_mode(workspace, name, target, quant, weights_mode="mapped"):
    cxx, flags = mode_compiler(target, quant)
    return workspace.built(name, cxx, flags, target=target, quant=quant,
                           weights_mode=weights_mode)


@pytest.mark.parametrize("name,target,quant", [
    *((name, target, None) for target in ("generic", "x86-avx2")
      for name in ("stories_bin", *hf_models.TEST_SPECS)),
    ("stories_bin", "arm-neon", None),
    *PACKED_MODE_CASES,
])
def test_embedded_weights_match_mapped(workspace, name, target, quant):
    """--weights-mode embedded: weights.bin is part of the program, which opens no weights file
    (the folder's is moved away while it runs) and computes the same greedy tokens and the same
    logits, bit for bit, as the mapped build (checked against transformers by the tests above;
    the ARM targets cross-built and run under qemu, where this machine is not ARM)."""
    skip_unless_runnable(target)
    vocab = 512 if name == "stories_bin" else hf_models.TEST_SPECS[name].vocab_size
    prompt = random_prompt(vocab, PROMPT_LEN, seed=11)
    out = workspace.compiled(name, target, quant)
    mapped = driver.run(built_in_mode(workspace, name, target, quant), prompt, STEPS, out=out,
                        extra=["--threads", "2"])
    embedded_out = workspace.compiled(name, target, quant, weights_mode="embedded")
    assert json.loads((embedded_out / "manifest.json").read_text())["weights_mode"] == "embedded"
    build_dir = built_in_mode(workspace, name, target, quant, weights_mode="embedded")
    blob, moved = embedded_out / "weights.bin", embedded_out / "weights.bin.moved"
    os.rename(blob, moved)
    try:
        ids, logits = driver.run(build_dir, prompt, STEPS,
                                 tokenizer=embedded_out / "tokenizer.bin",
                                 extra=["--threads", "2"])
        proc = driver.run_raw(build_dir, "--tokens", "1", "--steps", "1", "--verbose")
    finally:
        os.rename(moved, blob)
    assert ids == mapped[0]
    assert np.array_equal(logits, mapped[1]), np.abs(logits - mapped[1]).max()
    assert proc.returncode == 0, proc.stderr
    assert "llm-run: weights embedded (part of the program)" in proc.stderr


def test_embedded_weights_replaced_before_the_build_are_refused(workspace, tmp_path):
    """A weights.bin replaced after llmc compile is built into the program (the build notices the
    new file), but the program refuses it: its table checksum is not the one the code was
    compiled for. The other blob (the same model in q8_0) is valid, so only that check, made
    before the tensors are bound, names the problem."""
    out = tmp_path / "out"
    shutil.copytree(workspace.compiled("stories_bin", weights_mode="embedded"), out)
    build_dir = driver.build(out, build_dir=tmp_path / "build")
    assert driver.run_raw(build_dir, "--tokens", "1", "--steps", "2").returncode == 0
    shutil.copy(workspace.compiled("stories_bin", quant="q8_0") / "weights.bin",
                out / "weights.bin")
    driver.build(out, build_dir=build_dir)
    proc = driver.run_raw(build_dir, "--tokens", "1", "--steps", "2")
    assert proc.returncode == 1, proc.stdout
    assert "weights compiled into the program: the blob's table checksum is" in proc.stderr
    assert "weights.bin was replaced after llmc compile" in proc.stderr
