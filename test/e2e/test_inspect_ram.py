"""llmc inspect --ram and manifest.json's ram_bytes (both programMemory()) against the peak RSS
of llm-run, for a model big enough that the weights, not the program's own few MiB, decide
the figure: TinyLlama's shape (hidden 2048, intermediate 5632, 32 heads, 4 KV heads, vocab
32000) with one layer, random weights written by the test, in q8_0 (about 190 MB) and q4_0."""

import json
import os
import subprocess
import sys

import pytest

from llmc import driver, hf_models
from llmc.testing import peak_rss_bytes

pytestmark = [pytest.mark.llmc,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

TINYLLAMA_ONE_LAYER = hf_models.LlamaSpec(
    hidden_size=2048, intermediate_size=5632, num_layers=1, num_heads=32, num_kv_heads=4,
    vocab_size=32000, max_position_embeddings=2048, dtype="float16", seed=19)
CONTEXT = 64


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return hf_models.write_random_llama(tmp_path_factory.mktemp("ram") / "model",
                                        TINYLLAMA_ONE_LAYER)


@pytest.mark.parametrize("scheme,mode", [("q8_0", "embedded"), ("q4_0", "mapped")])
def test_planned_ram_matches_peak_rss(model, tmp_path, scheme, mode):
    """The planned total is within 10% of llm-run's peak RSS with the KV cache filled: q8_0 with
    the weights compiled in, and the same program opening weights.bin by path (the image's copy
    is then never touched); q4_0 mapped (every page is read at open and by each token)."""
    out = tmp_path / "out"
    driver.compile(model, out, "--quant", scheme, "--context", str(CONTEXT),
                   "--weights-mode", mode, check=True)
    build_dir = driver.build(out, build_dir=tmp_path / "build")
    planned = json.loads((out / "manifest.json").read_text())["ram_bytes"]
    assert planned["weights"] == os.path.getsize(out / "weights.bin")
    assert planned["weights"] > 0.9 * planned["total"], planned
    # Fill the context: 48 prompt tokens, then 15 more.
    run = [str(driver.executable(build_dir)), "--tokens", ",".join(["5"] * 48), "--steps", "15",
           "--temperature", "0", "--ignore-eos", "--threads", "1"]
    weights = [["--weights", str(out / "weights.bin")]]
    for extra in ([[]] + weights if mode == "embedded" else weights):
        measured = peak_rss_bytes(run + extra)
        assert abs(measured - planned["total"]) <= 0.1 * planned["total"], (
            extra, measured, planned)

    # llmc inspect --ram prints the same total (MiB, one decimal) at context 512 as this
    # compile's figures with the KV cache of 512 positions.
    table = subprocess.run([str(driver.llmc_binary()), "inspect", str(model), "--ram",
                            "--quant", scheme], capture_output=True, text=True, check=True).stdout
    row = next(line.split() for line in table.splitlines() if line.split()[:2] == [scheme, "512"])
    kv_512 = planned["kv_cache"] * 512 // CONTEXT
    assert float(row[6]) == pytest.approx((planned["total"] - planned["kv_cache"] + kv_512)
                                          / 2**20, abs=0.051), table
    assert row[7:] == ["256", "MiB", "and", "up"], table
