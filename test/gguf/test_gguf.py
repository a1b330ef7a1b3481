"""GGUF files through `llmc compile`, against transformers (float32).

Random Hugging Face models (hf_models.TEST_SPECS) are written as GGUF the way llama.cpp's
converter writes them (llmc.gguf_export: GGUF names, q/k rows permuted to the interleaved RoPE
layout, llama3 scaling as rope_freqs.weight), compiled, built and run; every logits row is
compared with transformers. For f16 and quantized files the reference runs on the weights a
reader of the file gets (dequantize(quantize(w)), written as an HF folder), so it is exact.
stories260K.gguf (written by llama.cpp itself) is compared with its llama2.c checkpoint.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from llmc import driver, gguf_export, hf_models, llama2c, reference
from llmc.testing import ModelCache, random_prompt, skip_unless_runnable

pytestmark = pytest.mark.llmc

REPO = Path(__file__).resolve().parents[2]
STORIES = REPO / "models" / "stories260K"
PROMPT_LEN, STEPS = 8, 8


class Models(ModelCache):
    """HF folders, GGUF files, compiled folders and builds under one temp folder, each made once."""

    def gguf(self, name: str, tensor_type: str) -> Path:
        return self._once(("gguf", name, tensor_type), lambda: gguf_export.write_gguf(
            self.hf_model(name), self.root / "gguf" / f"{name}-{tensor_type}.gguf", tensor_type))

    def reference(self, name: str, tensor_type: str) -> Path:
        """The HF folder transformers runs: the original for f32, else the round-tripped weights."""
        if tensor_type == "f32":
            return self.hf_model(name)
        return self._once(("ref", name, tensor_type), lambda: gguf_export.write_dequantized_hf(
            self.hf_model(name), self.root / "ref" / f"{name}-{tensor_type}", tensor_type))

    def built(self, model: Path, tag: str, *extra: str) -> tuple[Path, Path]:
        """(out folder, build folder) of `llmc compile model EXTRA...`."""
        def make():
            out = self.root / "out" / tag
            out.parent.mkdir(exist_ok=True)
            driver.compile(model, out, *extra, check=True)
            return out, driver.build(out, build_dir=self.root / "build" / tag)
        return self._once(("built", tag), make)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Models:
    return Models(tmp_path_factory.mktemp("gguf"))


def check_against_transformers(models: Models, name: str, tensor_type: str):
    """Compiled to float32 weights (--quant f32: quantized tensors are dequantized by the
    WeightStore), so the reference on the round-tripped weights is exact."""
    spec = hf_models.TEST_SPECS[name]
    out, build = models.built(models.gguf(name, tensor_type), f"{name}-{tensor_type}",
                              "--quant", "f32")
    prompt = random_prompt(spec.vocab_size, PROMPT_LEN, spec.seed)
    ids, logits = driver.run(build, prompt, STEPS, out=out)
    assert len(ids) == STEPS
    assert logits.shape == (PROMPT_LEN + STEPS - 1, spec.vocab_size)
    ref = reference.hf_logits(models.reference(name, tensor_type), prompt + ids[:-1])
    driver.check_close(logits, ref, f"{name} ({tensor_type} GGUF) vs transformers")


@pytest.mark.parametrize("name,tensor_type", [
    ("mha", "f32"),
    ("gqa_llama3", "f32"),     # rope_freqs.weight -> llama3 scaling parameters
    ("tied", "f16"),           # no output.weight
    ("head_dim", "f32"),       # llama.attention.key_length
    ("rope_linear", "f16"),    # llama.rope.scaling.type linear
    ("odd_sizes", "f32"),
])
def test_float(models, name, tensor_type):
    check_against_transformers(models, name, tensor_type)


@pytest.mark.parametrize("target", ["generic", "x86-avx2", "x86-avx512"])
def test_f16_matrices_stay_f16(models, target):
    """Without --quant an f16 file's matrices stay binary16 in weights.bin (half of f32's bytes)
    and the f16 kernels widen each weight exactly as they read it, so the logits match
    transformers on the same f16 weights as closely as float32 storage does."""
    skip_unless_runnable(target)
    spec = hf_models.TEST_SPECS["rope_linear"]
    gguf = models.gguf("rope_linear", "f16")
    out, build = models.built(gguf, f"rope_linear-f16-as-imported-{target}", "--target", target)
    manifest = json.loads((out / "manifest.json").read_text())
    matrices = 1 + 7 * spec.num_layers + 1  # embedding, 7 per layer, output
    assert manifest["tensors_by_storage"]["f16"] == matrices, manifest["tensors_by_storage"]
    isa = "generic" if target == "generic" else target[4:]
    kernel = f"llmk_{isa}_linear_f16_rows"
    assert kernel in (out / "model.cpp").read_text()
    f32_out, _ = models.built(gguf, "rope_linear-f16", "--quant", "f32")
    f32_bytes = json.loads((f32_out / "manifest.json").read_text())["weight_bytes"]
    assert manifest["weight_bytes"] < 0.55 * f32_bytes
    prompt = random_prompt(spec.vocab_size, PROMPT_LEN, spec.seed)
    ids, logits = driver.run(build, prompt, STEPS, out=out)
    ref = reference.hf_logits(models.reference("rope_linear", "f16"), prompt + ids[:-1])
    driver.check_close(logits, ref, f"rope_linear (f16 GGUF, f16 storage, {target})")


@pytest.mark.parametrize("name,tensor_type", [
    ("mha", "q8_0"),
    ("gqa_llama3", "q4_0"),
    ("tied", "q4_1"),
    ("odd_sizes", "q8_0"),     # ffn rows of 264: not whole blocks, stored f16
])
def test_quantized(models, name, tensor_type):
    check_against_transformers(models, name, tensor_type)


def test_quantized_as_imported(models):
    """Without --quant the quantized tensors stay as imported (quantized kernels, activations
    quantized too): close to the reference, not exact."""
    spec = hf_models.TEST_SPECS["mha"]
    out, build = models.built(models.gguf("mha", "q8_0"), "mha-q8_0-as-imported")
    assert "q8_0" in (out / "model.cpp").read_text()
    prompt = random_prompt(spec.vocab_size, PROMPT_LEN, spec.seed)
    ids, logits = driver.run(build, prompt, STEPS, out=out)
    ref = reference.hf_logits(models.reference("mha", "q8_0"), prompt + ids[:-1])
    assert np.isfinite(logits).all()
    assert np.abs(logits - ref).max() < 0.1 * np.abs(ref).max()


def test_quantized_file_holds_quantized_tensors(models):
    """The exported file really is quantized (so the test above reads blocks, not floats)."""
    import gguf
    reader = gguf.GGUFReader(str(models.gguf("odd_sizes", "q8_0")))
    types = {t.name: t.tensor_type.name for t in reader.tensors}
    assert types["blk.0.attn_q.weight"] == "Q8_0"
    assert types["blk.0.ffn_down.weight"] == "F16"
    assert types["blk.0.attn_norm.weight"] == "F32"


def test_permutation_is_llama_cpp_s(models):
    """permute_qk takes rotate-half rows (h, j, i) to interleaved rows (h, i, j)."""
    w = np.arange(16, dtype=np.float32).reshape(8, 2)
    p = gguf_export.permute_qk(w, 2)
    assert p[:, 0].tolist() == [0, 4, 2, 6, 8, 12, 10, 14]


def test_stories260k_gguf(models):
    """llama.cpp's own conversion of stories260K against transformers on the llama2.c weights
    (its context is 128 tokens)."""
    hf = Path(llama2c.to_hf_folder(STORIES / "stories260K.bin", models.root / "stories_hf"))
    out, build = models.built(STORIES / "stories260K.gguf", "stories-gguf")
    prompt = [1] + random_prompt(512, 9, seed=3)
    ids, logits = driver.run(build, prompt, 12, out=out)
    driver.check_close(logits, reference.hf_logits(hf, prompt + ids[:-1]),
                       "stories260K.gguf vs transformers")
    # The GGUF's own vocabulary: greedy text from BOS is the TinyStories opening.
    proc = driver.run_raw(build, "--tokens", "1", "--steps", "20", "--temperature", "0",
                          "--weights", str(out / "weights.bin"),
                          "--tokenizer", str(out / "tokenizer.bin"))
    assert proc.returncode == 0, proc.stderr
    assert "Once upon a time" in proc.stdout, proc.stdout


def test_bad_gguf_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.gguf"
    data = bytearray(STORIES.joinpath("stories260K.gguf").read_bytes()[:4096])
    bad.write_bytes(bytes(data))
    proc = driver.compile(bad, tmp_path / "out")
    assert proc.returncode != 0
    assert f"{bad}: " in proc.stderr
    assert "Traceback" not in proc.stderr and "Assertion" not in proc.stderr
