"""llmc.random_gguf, the writer of the streamed-7b benchmark's model, on a tiny shape: the file
reads back as a Llama GGUF of Q4_0 matrices whose weights have the asked spread, and llmc
imports it (llmc inspect) with the Llama 2 vocabulary."""

import subprocess

import numpy as np
import pytest

from llmc import driver
from llmc.random_gguf import LLAMA2_7B, gguf_tensor_shapes, write_random_q4_0_gguf

TINY = dict(LLAMA2_7B, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=4)


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    return write_random_q4_0_gguf(tmp_path_factory.mktemp("random-gguf") / "tiny.gguf", TINY,
                                  std=0.02)


def test_tensors_are_q4_0_with_the_asked_spread(tiny_gguf):
    import gguf
    reader = gguf.GGUFReader(str(tiny_gguf))
    tensors = {t.name: t for t in reader.tensors}
    assert list(tensors) == [name for name, _ in gguf_tensor_shapes(TINY)]
    q4_0 = gguf.GGMLQuantizationType.Q4_0
    for name, shape in gguf_tensor_shapes(TINY):
        t = tensors[name]
        assert tuple(int(d) for d in t.shape) == tuple(reversed(shape)), name  # ggml order
        if len(shape) == 1:
            assert t.tensor_type == gguf.GGMLQuantizationType.F32
            assert (np.asarray(t.data) == 1).all()
            continue
        assert t.tensor_type == q4_0, name
        w = gguf.quants.dequantize(np.asarray(t.data), q4_0)
        assert np.isfinite(w).all()
        assert 0.015 < float(w.std()) < 0.025, (name, float(w.std()))
    assert not tiny_gguf.with_suffix(".gguf.tmp").exists()


@pytest.mark.llmc
def test_llmc_imports_it(tiny_gguf):
    proc = subprocess.run([str(driver.llmc_binary()), "inspect", str(tiny_gguf)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "(F32, Q4_0)" in proc.stdout, proc.stdout
    assert "hidden 128, intermediate 256, layers 2, heads 4" in proc.stdout, proc.stdout
