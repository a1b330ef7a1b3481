"""The ARM targets' output, cross-built (aarch64-linux-gnu-g++, clang++ --target
aarch64-linux-gnu, both under -Wall -Wextra -Werror) and run under qemu-aarch64 with a CPU model
that has the target's features (test/Targets/arm/qemu-cpus.txt), or natively on an AArch64
machine that has them. The smallest models, one build per target and compiler:

- float: odd_sizes (remainders everywhere: k % 4, rows % 4, heads) against transformers, g++;
- quantized: stories260K at q4_0 and q4_1, whose down projections (k = 172) and tied
  classifier are q8_0, so the q8_0 kernels run in both (at q4_0 on arm-dotprod and arm-i8mm on
  their packed weights but the tied classifier's: test_arm_pack_weights.py): teacher-forced
  logits of a story against the generic target's within test_x86_quantized.py's bounds, and the
  same greedy text, clang++; (at q4_k and q6_k stories260K is byte for byte its q4_1 and q8_0
  folder: its rows are no whole 256-value super-blocks, docs/quantization.md)
- k-quants: test_x86_quantized.py's random model with hidden size 256 at q4_k (its output
  projection q6_k): logits within that file's k-quant bounds and the same greedy ids, clang++;
- the quantized and float builds through the target's own kernels for RMSNorm, RoPE, attention
  and SwiGLU (kernels_arm_ops.h);
- the arm-i8mm program on a Cortex-A76 (dot product, no i8mm) refuses to start, naming i8mm.
"""

import subprocess

import pytest

from conftest import ARM_TARGETS, WERROR, arm_emulator, cxx_or_skip, skip_unless_runnable
from llmc import accuracy, driver, hf_models
from llmc.testing import build_for
from test_models import check_against_transformers
from test_x86_quantized import (KQUANT_SPEC, assert_k_quants_match_generic, assert_matches_generic,
                                kquant_tokens)

pytestmark = pytest.mark.llmc

GREEDY_PROMPT, GREEDY_STEPS = [1], 32
OPS_KERNELS = ("rms_norm_f32", "rope_f32", "attend_f32", "swiglu_f32")
# The kernel suffix of each ARM target's weight layout, where it has one (targets/arm/IR,
# test_arm_pack_weights.py).
LAYOUT_SUFFIX = {"arm-dotprod": "r4x4", "arm-i8mm": "r2x8"}


def assert_calls(out, isa, kernels):
    source = (out / "model.cpp").read_text()
    for kernel in kernels:
        assert f"llmk_{isa}_{kernel}(" in source, kernel


def quantized_build(workspace, target, scheme="q4_0"):
    return workspace.built("stories_bin", "clang++", WERROR, target=target, quant=scheme)


@pytest.fixture(scope="module")
def kquant_model(tmp_path_factory):
    """The k-quant model, its generic folder at q4_k, and that folder's greedy ids and logits
    (the teacher-forced tokens, then the greedy ones)."""
    root = tmp_path_factory.mktemp("arm-kquant")
    model = hf_models.write_random_llama(root / "hf", KQUANT_SPEC)
    out = root / "generic"
    driver.compile(model, out, "--quant", "q4_k", check=True)
    return model, driver.run(driver.build(out), kquant_tokens(), GREEDY_STEPS, out=out)


def check_against_generic(workspace, scheme, out, build_dir):
    """stories260K at `scheme` (out/, built in build_dir) against the generic target:
    teacher-forced logits of a story within test_x86_quantized.py's bounds, the same greedy
    text."""
    story = accuracy.story_tokens()
    generic_out = workspace.compiled("stories_bin", "generic", scheme)
    generic_build = workspace.built("stories_bin", target="generic", quant=scheme)
    assert_matches_generic(accuracy.model_logits(build_dir, out, story),
                           accuracy.model_logits(generic_build, generic_out, story), story)
    ids, _ = driver.run(build_dir, GREEDY_PROMPT, GREEDY_STEPS, out=out)
    expected, _ = driver.run(generic_build, GREEDY_PROMPT, GREEDY_STEPS, out=generic_out)
    assert ids == expected


@pytest.mark.parametrize("target", ARM_TARGETS)
def test_arm_float_matches_transformers(workspace, target):
    skip_unless_runnable(target)
    assert_calls(workspace.compiled("odd_sizes", target), target.removeprefix("arm-"),
                 OPS_KERNELS)
    build_dir = workspace.built("odd_sizes", "g++", WERROR, target=target)
    assert f"CMAKE_CXX_FLAGS:STRING={WERROR}\n" in (build_dir / "CMakeCache.txt").read_text()
    check_against_transformers(workspace, "odd_sizes", build_dir, target)


# The kernels each scheme's stories260K folder calls: its own, and q8_0's for the down
# projections and the classifier.
STORIES_KERNELS = {
    "q4_0": ("quantize_q8_0", "linear_q4_0_rows", "linear_q8_0_rows"),
    "q4_1": ("quantize_q8_1", "linear_q4_1_rows", "quantize_q8_0", "linear_q8_0_rows"),
}


@pytest.mark.parametrize("target", ARM_TARGETS)
@pytest.mark.parametrize("scheme", list(STORIES_KERNELS))
def test_arm_quantized_matches_generic(workspace, target, scheme):
    skip_unless_runnable(target)
    cxx_or_skip("clang++")
    isa = target.removeprefix("arm-")
    out = workspace.compiled("stories_bin", target, scheme)
    # q4_0 and q8_0 in the target's weight layout where it has one, the tied classifier's table
    # too, which the embedding then reads with the layout's kernel.
    suffix = LAYOUT_SUFFIX.get(target, "")
    packable = {"linear_q4_0_rows": f"linear_q4_0{suffix}_rows",
                "linear_q8_0_rows": f"linear_q8_0{suffix}_rows"}
    kernels = tuple(packable.get(k, k) for k in STORIES_KERNELS[scheme])
    if suffix:
        kernels += (f"embed_q8_0{suffix}",)
    assert_calls(out, isa, kernels + OPS_KERNELS)
    check_against_generic(workspace, scheme, out, quantized_build(workspace, target, scheme))


@pytest.mark.parametrize("target", ARM_TARGETS)
def test_arm_k_quants_match_generic(kquant_model, tmp_path, target):
    skip_unless_runnable(target)
    cxx_or_skip("clang++")
    model, (expected_ids, generic_logits) = kquant_model
    isa = target.removeprefix("arm-")
    out = tmp_path / "out"
    driver.compile(model, out, "--target", target, "--quant", "q4_k", check=True)
    source = (out / "model.cpp").read_text()
    for kernel in ("quantize_q8_k", "linear_q4_k_rows", "linear_q6_k_rows"):
        assert f"llmk_{isa}_{kernel}(" in source, kernel
    build_dir = build_for(target, out, cxx="clang++", cxx_flags=WERROR)
    ids, logits = driver.run(build_dir, kquant_tokens(), GREEDY_STEPS, out=out)
    assert ids == expected_ids
    assert_k_quants_match_generic(logits, generic_logits)


def test_arm_i8mm_output_names_what_a_cortex_a76_lacks(workspace):
    """Natively there is no CPU model to choose: only under qemu."""
    skip_unless_runnable("arm-i8mm")
    cxx_or_skip("clang++")
    build_dir = quantized_build(workspace, "arm-i8mm")
    if not driver.emulator(build_dir):
        pytest.skip("runs natively: no CPU without i8mm to run it on")
    out = workspace.compiled("stories_bin", "arm-i8mm", "q4_0")
    proc = subprocess.run([*arm_emulator("arm-i8mm", cpu="cortex-a76"),
                           str(driver.executable(build_dir)), "--weights",
                           str(out / "weights.bin"), "--tokens", "1,403", "--steps", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)  # an error, not a signal
    error = [line for line in proc.stderr.splitlines() if line.startswith("llm-run:")]
    assert error == ["llm-run: error: this CPU lacks i8mm, which the model's kernels were "
                     "compiled for: compile the model for a target this CPU has (llmc compile "
                     "--target)"], proc.stderr
