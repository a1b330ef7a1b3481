"""llm-x86-pack-weights changes where a weight's blocks lie, not what is computed: the x4
kernels accumulate in the same order as the row-layout ones, so a model compiled with and
without packing (`llmc compile --pack-weights` / `--pack-weights=false`) gives bit-identical
logits. x86-avx2 does not pack by default (docs/targets.md) but runs the same x4 kernels when
asked, on any CPU this suite runs on."""

import numpy as np
import pytest

from conftest import STORIES_BIN, STORIES_TOK
from llmc import accuracy, driver

pytestmark = pytest.mark.llmc


def logits_for(tmp_path_factory, scheme, tokens, pack):
    out = tmp_path_factory.mktemp(f"pack-{scheme}-{pack}") / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", "x86-avx2",
                   "--quant", scheme, "--cores", "2", f"--pack-weights={str(pack).lower()}",
                   check=True)
    source = (out / "model.cpp").read_text()
    # The flag must really change the code: packed layers call the x4 kernels.
    assert (f"linear_{scheme}x4_rows" in source) == pack
    return accuracy.model_logits(driver.build(out), out, tokens)


@pytest.mark.parametrize("scheme", ["q8_0", "q4_0", "q4_1"])
def test_packed_is_bit_identical(tmp_path_factory, scheme):
    story = accuracy.story_tokens()
    packed = logits_for(tmp_path_factory, scheme, story, True)
    unpacked = logits_for(tmp_path_factory, scheme, story, False)
    np.testing.assert_array_equal(packed, unpacked)
