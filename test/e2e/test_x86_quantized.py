"""The x86 targets against the generic target for the same quantization scheme (x86-avx512
where the CPU runs it). Both store q8_0 and q4_0 weights as panels by default (the p8 and p16
kernels) and interleave stories260K's 172-row gate and up where they interleave the scheme
(x86-avx2: q8_0 and q4_0; x86-avx512: q4_0 and q4_1), so this covers those kernels too; the
rest of the x4 kernels are covered by test_pack_weights.py and by the kernel tests.

Both quantize activations to bit-identical int8 blocks and compute exact integer block dot
products; they differ in float summation order (SIMD lanes, FMA, a polynomial exp in SwiGLU,
attention accumulated in float rather than double). Activation quantization turns those ~1e-7
differences into occasional one-step flips of an int8 value, so logits differ by up to ~0.4 on
stories260K (measured before the float attention: q8_0 0.28, q4_0 0.34, q4_1 0.41 max |diff|;
max |logit| 21.8; with it, q4_1 0.33) and the argmax flips only where the generic model's top
two logits are close (measured flips, q4_1: margins 0.069, 0.090 and 0.105 with the fused float
attention; 0.004-0.07 before), hence a decisive margin of 0.15.
"""

import re

import numpy as np
import pytest

from conftest import STORIES_BIN, STORIES_TOK, can_run, skip_unless_runnable
from llmc import accuracy, driver, hf_models

pytestmark = pytest.mark.llmc

DECISIVE_MARGIN = 0.15  # top-2 logit gap above which both targets must pick the same token
MAX_DIFF = 0.6          # bound on max |logit difference| (measured at most 0.41)
MAX_PPL_CHANGE = 0.005  # relative perplexity change (measured at most 0.23%)
# The k-quant model's bounds, relative to its largest |logit| (10.1). Measured: x86-avx2 max
# |diff| 3.3e-6 (3.3e-7 relative); x86-avx512 0.0119 (1.2e-3 relative) in one token's row of 48,
# packed or not, every other row within 1e-5: a one-step flip of an int8 activation in that
# token's path. No argmax flip on either. The bound leaves room for such flips.
KQUANT_MAX_REL_DIFF = 3e-3
KQUANT_DECISIVE = 0.01


@pytest.fixture(scope="module")
def story():
    return accuracy.story_tokens()


def assert_matches_generic(logits, generic, story):
    """A SIMD target's teacher-forced logits of `story` against the generic target's, within the
    bounds above (test_arm.py holds the ARM targets to them too)."""
    assert np.abs(logits - generic).max() <= MAX_DIFF
    assert accuracy.top1_agreement(logits, generic, min_margin=DECISIVE_MARGIN) == 1.0
    ppl_generic = accuracy.perplexity(generic, story)
    assert accuracy.perplexity(logits, story) == pytest.approx(ppl_generic, rel=MAX_PPL_CHANGE)


def logits_for(tmp_path_factory, target, scheme, tokens):
    out = tmp_path_factory.mktemp(f"{target}-{scheme}") / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", scheme, check=True)
    return accuracy.model_logits(driver.build(out), out, tokens)


@pytest.mark.parametrize("target", ["x86-avx2", "x86-avx512"])
@pytest.mark.parametrize("scheme", ["q8_0", "q4_0", "q4_1"])
def test_x86_matches_generic(tmp_path_factory, story, scheme, target):
    skip_unless_runnable(target)
    generic = logits_for(tmp_path_factory, "generic", scheme, story)
    assert_matches_generic(logits_for(tmp_path_factory, target, scheme, story), generic, story)


@pytest.mark.parametrize("cxx", ["g++", "clang++"])
def test_x86_avx512_builds_and_runs_where_supported(tmp_path, cxx):
    """The x86-avx512 output builds warning-free everywhere; it runs (and must match the
    generic q4_0 greedy text) only on a CPU with AVX-512 F/BW/VL and VNNI."""
    from conftest import WERROR, cxx_or_skip
    cxx_or_skip(cxx)
    out = tmp_path / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", "x86-avx512",
                   "--quant", "q4_0", check=True)
    build_dir = driver.build(out, cxx=cxx, cxx_flags=WERROR)
    if not can_run("x86-avx512"):
        pytest.skip("built warning-free; this CPU has no AVX-512 VNNI to run it")
    ids, _ = driver.run(build_dir, [1], 32, out=out)
    generic = tmp_path / "generic"
    driver.compile(STORIES_BIN, generic, "--quant", "q4_0", check=True)
    expected, _ = driver.run(driver.build(generic), [1], 32, out=generic)
    assert ids == expected


KQUANT_SPEC = hf_models.LlamaSpec(hidden_size=256, intermediate_size=512, num_layers=2,
                                  num_heads=4, num_kv_heads=2, vocab_size=256, seed=7)


def kquant_tokens():
    """The k-quant model's 48 teacher-forced tokens."""
    return [int(t) for t in np.random.default_rng(3).integers(0, 256, 48)]


def assert_k_quants_match_generic(logits, generic):
    """A SIMD target's logits of the k-quant model against the generic target's, within the
    bounds above (test_arm.py holds the ARM targets to them too)."""
    scale = np.abs(generic).max()
    assert np.abs(logits - generic).max() <= KQUANT_MAX_REL_DIFF * scale
    assert accuracy.top1_agreement(logits, generic, min_margin=KQUANT_DECISIVE * scale) == 1.0


@pytest.mark.parametrize("target", ["x86-avx2", "x86-avx512"])
def test_x86_k_quants_match_generic(tmp_path, target):
    """q4_k and q6_k need rows of whole 256-element super-blocks, which stories260K lacks: a
    random model with hidden size 256 runs them (under q4_k's default rules the output
    projection is q6_k, the layers q4_k)."""
    skip_unless_runnable(target)
    model = hf_models.write_random_llama(tmp_path / "hf", KQUANT_SPEC)
    tokens = kquant_tokens()
    logits = {}
    isa = target.removeprefix("x86-")
    for name in ("generic", target):
        out = tmp_path / name
        driver.compile(model, out, "--target", name, "--quant", "q4_k", check=True)
        source = (out / "model.cpp").read_text()
        if name == target:  # the x86 kernels, on packed (x4) weights where the target packs
            assert re.search(rf"llmk_{isa}_linear_q4_k(x4)?_rows\(", source)
            assert re.search(rf"llmk_{isa}_linear_q6_k(x4)?_rows\(", source)
            assert f"llmk_{isa}_quantize_q8_k(" in source
        logits[name] = accuracy.model_logits(driver.build(out), out, tokens)
    assert_k_quants_match_generic(logits[target], logits["generic"])
