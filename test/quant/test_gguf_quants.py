"""llmc's quantizers and dequantizers (runtime/quant.cpp) against gguf-py's gguf.quants.

The runtime's blocks must be bit-compatible with GGUF: a GGUF tensor is imported by copying its
bytes, and llmc's own q8_0/q4_0/q4_1 quantizers must produce exactly the bytes gguf-py (ggml's
reference quantizers) would. The C++ side runs through llmc-quant-tool (test/quant/quant_tool.cpp),
found via $LLMC_QUANT_TOOL or <repo>/build/bin/llmc-quant-tool. Without it the tests skip, unless
LLMC_REQUIRE_BUILD=1, when they fail.

    python3 -m pytest test/quant
"""

import os
import pathlib
import subprocess

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")
from gguf import GGMLQuantizationType as T  # noqa: E402
from gguf import quants  # noqa: E402

pytestmark = pytest.mark.asan

REPO = pathlib.Path(__file__).resolve().parents[2]

# scheme name for the tool -> (GGML type, byte ranges of the block's fp16 scale fields)
SCHEMES = {
    "q8_0": (T.Q8_0, [(0, 2)]),
    "q4_0": (T.Q4_0, [(0, 2)]),
    "q4_1": (T.Q4_1, [(0, 2), (2, 4)]),
    "q4_k": (T.Q4_K, [(0, 2), (2, 4)]),
    "q6_k": (T.Q6_K, [(208, 210)]),
}
REFERENCE_QUANTIZED = ["q8_0", "q4_0", "q4_1"]  # the ones gguf-py can quantize


@pytest.fixture(scope="module")
def tool():
    path = os.environ.get("LLMC_QUANT_TOOL") or str(REPO / "build" / "bin" / "llmc-quant-tool")
    if not os.path.isfile(path):
        message = (f"llmc-quant-tool not built ({path}); build it with "
                   "`ninja -C build llmc-quant-tool` or set LLMC_QUANT_TOOL")
        if os.environ.get("LLMC_REQUIRE_BUILD") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_tool(tool, tmp_path, mode, scheme, data: bytes) -> bytes:
    src, dst = tmp_path / f"{mode}_{scheme}.in", tmp_path / f"{mode}_{scheme}.out"
    src.write_bytes(data)
    subprocess.run([tool, mode, scheme, str(src), str(dst)], check=True)
    return dst.read_bytes()


def our_dequantize(tool, tmp_path, scheme, blocks: np.ndarray) -> np.ndarray:
    out = run_tool(tool, tmp_path, "dequantize", scheme, blocks.tobytes())
    return np.frombuffer(out, dtype=np.float32)


def our_quantize(tool, tmp_path, scheme, values: np.ndarray) -> np.ndarray:
    out = run_tool(tool, tmp_path, "quantize", scheme, values.astype(np.float32).tobytes())
    return np.frombuffer(out, dtype=np.uint8)


def random_blocks(scheme, count, rng) -> np.ndarray:
    """Random block bytes whose fp16 scale fields are finite (any finite half: normal,
    subnormal, zero, either sign), so every dequantized value is finite."""
    qtype, scale_fields = SCHEMES[scheme]
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(count, type_size), dtype=np.uint8)
    for lo, hi in scale_fields:
        halves = blocks[:, lo:hi].copy().view(np.uint16)
        halves[(halves & 0x7C00) == 0x7C00] &= 0xBFFF  # exponent 31 (inf/NaN) -> finite
        blocks[:, lo:hi] = halves.view(np.uint8)
    return blocks


def test_random_blocks_dequantize_like_gguf(tool, tmp_path):
    rng = np.random.default_rng(1)
    for scheme, (qtype, _) in SCHEMES.items():
        blocks = random_blocks(scheme, 2000, rng)
        want = quants.dequantize(blocks, qtype).reshape(-1)
        got = our_dequantize(tool, tmp_path, scheme, blocks)
        assert np.all(np.isfinite(want)), scheme
        # Bitwise: equal float32 values, the sign of zero included.
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), scheme


def float_rows(rng) -> np.ndarray:
    """Values for quantizer tests, in whole blocks of 256 (a multiple of 32): Gaussian data at
    several scales plus blocks that exercise the edge cases of the reference rounding."""
    parts = [
        rng.standard_normal(256 * 64),
        rng.standard_normal(256 * 8) * 1e-3,
        rng.standard_normal(256 * 8) * 100.0,
        rng.uniform(-1, 1, 256 * 8),
        np.zeros(256),                                      # all zeros: d = 0
        np.full(256, 0.75),                                 # constant rows
        np.full(256, -3.0),
        np.tile(np.concatenate([[2.0, -2.0], np.zeros(30)]), 8),  # +-max tie: first one wins
        np.tile(np.arange(32) / 4.0 - 4.0, 8),              # exact quarter steps: rounding ties
        rng.integers(-8, 8, 256) * 0.5,                     # exact multiples of the step
        np.abs(rng.standard_normal(256)),                   # all positive, q4_1 min > 0
        -np.abs(rng.standard_normal(256)),                  # all negative
        rng.standard_normal(256) * np.repeat(10.0 ** rng.integers(-3, 3, 8), 32),
    ]
    return np.concatenate(parts).astype(np.float32)


@pytest.mark.parametrize("scheme", REFERENCE_QUANTIZED)
def test_quantize_like_gguf(tool, tmp_path, scheme):
    qtype, _ = SCHEMES[scheme]
    x = float_rows(np.random.default_rng(2))
    want = quants.quantize(x, qtype).reshape(-1)
    got = our_quantize(tool, tmp_path, scheme, x)
    assert got.shape == want.shape
    mismatched = np.nonzero(got != want)[0]
    assert mismatched.size == 0, f"{scheme}: first differing byte {mismatched[:8]}"


@pytest.mark.parametrize("scheme", REFERENCE_QUANTIZED)
def test_dequantize_gguf_quantized_data(tool, tmp_path, scheme):
    qtype, _ = SCHEMES[scheme]
    x = float_rows(np.random.default_rng(3))
    blocks = quants.quantize(x, qtype)
    want = quants.dequantize(blocks, qtype).reshape(-1)
    got = our_dequantize(tool, tmp_path, scheme, blocks)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


# Relative RMS error bounds on Gaussian data (measured values in runtime/quant.cpp, plus margin).
RMS_BOUNDS = {"q8_0": 0.006, "q4_0": 0.095, "q4_1": 0.087, "q4_k": 0.087, "q6_k": 0.021}


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_our_blocks_read_back_by_gguf(tool, tmp_path, scheme):
    """Whatever llmc writes, gguf-py (and so llama.cpp) reads as the same values, within the
    scheme's error bound of the input."""
    qtype, _ = SCHEMES[scheme]
    x = np.random.default_rng(4).standard_normal(256 * 256).astype(np.float32)
    blocks = our_quantize(tool, tmp_path, scheme, x)
    theirs = quants.dequantize(blocks.reshape(256, -1), qtype).reshape(-1)
    ours = our_dequantize(tool, tmp_path, scheme, blocks)
    assert np.array_equal(ours.view(np.uint32), theirs.view(np.uint32))
    rel_rms = np.sqrt(np.mean((theirs - x) ** 2) / np.mean(x ** 2))
    assert rel_rms < RMS_BOUNDS[scheme], rel_rms
