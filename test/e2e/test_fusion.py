"""The fusion passes change how a model is computed, not what: outputs compiled with and
without them (`llmc compile --no-fusion`) must agree.

On the generic target both run the same reference kernels on the same values in the same order
(the fused code only writes K and V straight into the cache, rotates in place and adds the
residual as the product's epilogue, a + b instead of b + a), so the logits are bit-identical.
On x86-avx2 fused attention is the SIMD kernel on float accumulators, the unfused one the
generic double-precision kernel: the logits differ by float rounding, which int8 activation
quantization can turn into one-step flips, hence the bounds of test_x86_quantized.py.
"""

import numpy as np
import pytest

from conftest import STORIES_BIN, STORIES_TOK
from llmc import accuracy, driver
from test_x86_quantized import DECISIVE_MARGIN, MAX_DIFF

pytestmark = pytest.mark.llmc


@pytest.fixture(scope="module")
def story():
    return accuracy.story_tokens()


def logits_for(tmp_path_factory, target, scheme, tokens, *flags):
    out = tmp_path_factory.mktemp(f"{target}-{scheme}{''.join(flags)}") / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", scheme, *flags, check=True)
    source = (out / "model.cpp").read_text()
    # The flag must really change the code: fused outputs have no separate RoPE calls on
    # projections and write keys straight into the cache.
    assert ("layers_0_new_keys" in source) == (not flags)
    return accuracy.model_logits(driver.build(out), out, tokens)


@pytest.mark.parametrize("scheme", ["f32", "q8_0"])
def test_generic_fused_is_bit_identical(tmp_path_factory, story, scheme):
    fused = logits_for(tmp_path_factory, "generic", scheme, story)
    unfused = logits_for(tmp_path_factory, "generic", scheme, story, "--no-fusion")
    np.testing.assert_array_equal(fused, unfused)


@pytest.mark.parametrize("scheme", ["f32", "q4_0"])
def test_x86_fused_matches_unfused(tmp_path_factory, story, scheme):
    fused = logits_for(tmp_path_factory, "x86-avx2", scheme, story)
    unfused = logits_for(tmp_path_factory, "x86-avx2", scheme, story, "--no-fusion")
    assert np.abs(fused - unfused).max() <= (1e-3 if scheme == "f32" else MAX_DIFF)
    assert accuracy.top1_agreement(fused, unfused, min_margin=DECISIVE_MARGIN) == 1.0
