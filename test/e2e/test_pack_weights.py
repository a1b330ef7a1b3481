"""llm-x86-pack-weights changes where a weight's blocks lie, not what is computed: the x4
kernels accumulate in the same order as the row-layout ones, so a model compiled with and
without packing (`llmc compile --pack-weights` / `--pack-weights=false`) gives bit-identical
logits. On x86-avx2 packing stores q8_0 and q4_0 weights of whole 8-row panels as panels (the
p8 kernels; its default) and interleaves the rest (stories260K's 172-row gate and up, q4_1):
a prompt of 4 or more tokens goes through the same panels either way, bit for bit; decode
(one token) on stored panels differs from the row tiles in float summation order only."""

import numpy as np
import pytest

from conftest import STORIES_BIN, STORIES_TOK
from llmc import accuracy, driver

pytestmark = pytest.mark.llmc

PANEL_SCHEMES = ("q8_0", "q4_0")
# Decode on panels against the row tiles: float summation order, then (as between the x86 and
# generic targets, test_x86_quantized.py) an occasional one-step flip of an int8 activation.
# Measured on stories260K (rows of 64 and 172 values): identical logits, q8_0 and q4_0.
DECODE_MAX_DIFF = 0.6


_BUILT = {}


def compiled(tmp_path_factory, scheme, pack):
    """(out, build dir) of stories260K at `scheme` on x86-avx2, packed or not; built once."""
    if (scheme, pack) in _BUILT:
        return _BUILT[scheme, pack]
    out = tmp_path_factory.mktemp(f"pack-{scheme}-{pack}") / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", "x86-avx2",
                   "--quant", scheme, "--cores", "2", f"--pack-weights={str(pack).lower()}",
                   check=True)
    source = (out / "model.cpp").read_text()
    # The flag must really change the code: packed layers call the x4 or p8 kernels.
    assert (f"linear_{scheme}x4_rows" in source or f"linear_{scheme}p8_rows" in source) == pack
    if pack and scheme in PANEL_SCHEMES:
        assert f"linear_{scheme}p8_rows" in source
    _BUILT[scheme, pack] = out, driver.build(out)
    return _BUILT[scheme, pack]


@pytest.mark.parametrize("scheme", ["q8_0", "q4_0", "q4_1"])
def test_packed_is_bit_identical(tmp_path_factory, scheme):
    story = accuracy.story_tokens()
    (packed, packed_build), (unpacked, unpacked_build) = (
        compiled(tmp_path_factory, scheme, pack) for pack in (True, False))
    np.testing.assert_array_equal(accuracy.model_logits(packed_build, packed, story),
                                  accuracy.model_logits(unpacked_build, unpacked, story))


@pytest.mark.parametrize("scheme", PANEL_SCHEMES)
def test_panel_decode_matches_rows(tmp_path_factory, scheme):
    """Greedy decoding one token at a time: the same 40 tokens, logits within the bound."""
    runs = []
    for pack in (True, False):
        out, build_dir = compiled(tmp_path_factory, scheme, pack)
        runs.append(driver.run(build_dir, [1], 40, out=out, extra=["--threads", "2"]))
    (packed_ids, packed), (ids, unpacked) = runs
    assert packed_ids == ids
    assert packed.shape == unpacked.shape
    assert np.abs(packed - unpacked).max() <= DECODE_MAX_DIFF
