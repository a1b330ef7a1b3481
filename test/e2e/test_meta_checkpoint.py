"""Meta's original checkpoints (params.json + consolidated.NN.pth) against the HF folder they
were written from.

meta_export writes a random HF model in Meta's layout with torch.save (q/k rows interleaved as
Meta's code keeps them; 1 shard, and 2 shards split as Meta's model-parallel layers split each
tensor). llmc must compile it to the same weights.bin as the HF folder, and its logits must
equal transformers'. Broken checkpoints (a pickle naming another global, a truncated or
compressed zip, a storage smaller than its tensor, a params.json that disagrees with the
tensors) are refused with an error naming the file, and nothing is written. The tests marked
asan run again with llmc built with AddressSanitizer and UBSan (make test-asan).
"""

import json
import pickle
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, cxx_or_skip, random_prompt
from llmc import driver, hf_models, meta_export, reference
from llmc.testing import llmc_tokenize

pytestmark = pytest.mark.llmc

# GQA, Llama 3's theta and use_scaled_rope (= HF's llama3 rope_scaling with Meta's constants).
SPEC = hf_models.LlamaSpec(
    hidden_size=64, intermediate_size=192, num_heads=4, num_kv_heads=2, rope_theta=500000.0,
    rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                  "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
    seed=11)
CONTEXT = ["--context", "64"]


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory):
    return hf_models.write_random_llama(tmp_path_factory.mktemp("meta") / "hf", SPEC)


def compiled_model(out):
    """What the compiled folder says of the model: weights.bin, and model.cpp (it spells out
    every size and the RoPE frequency table) without its first line, which names the folder."""
    return ((out / "weights.bin").read_bytes(),
            (out / "model.cpp").read_text().split("\n", 1)[1])


@pytest.fixture(scope="module")
def hf_compiled(hf_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("meta") / "out-hf"
    driver.compile(hf_folder, out, *CONTEXT, check=True)
    return compiled_model(out)


@pytest.mark.asan
@pytest.mark.parametrize("shards,embed_dim,llama2_style", [(1, 1, False), (2, 1, True),
                                                           (2, 0, False)])
def test_same_model_as_hf(hf_folder, hf_compiled, tmp_path, shards, embed_dim, llama2_style):
    """embed_dim 1: Llama 2's ParallelEmbedding; 0: Llama 3's VocabParallelEmbedding.
    llama2_style: vocab_size -1 (the embedding's rows) and a rope.freqs tensor (skipped)."""
    meta = meta_export.write_meta_folder(hf_folder, tmp_path / "meta", shards, embed_dim,
                                         llama2_style)
    params = json.loads((tmp_path / "meta" / "params.json").read_text())
    assert "intermediate_size" not in params and params["use_scaled_rope"]
    out = tmp_path / "out"
    driver.compile(meta, out, *CONTEXT, check=True)
    manifest = json.loads((out / "manifest.json").read_text())
    expected = "Meta checkpoint" + (f", {shards} shards" if shards > 1 else "") + " (f32)"
    assert manifest["source_format"] == expected
    weights, model_cpp = compiled_model(out)
    assert weights == hf_compiled[0]
    assert "scaling llama3" in model_cpp
    assert model_cpp == hf_compiled[1]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_storages(tmp_path, dtype):
    """Meta ships bf16: BFloat16Storage (and HalfStorage) tensors map as the HF folder's do."""
    # intermediate_size 128 is not what multiple_of alone gives for dim 64 (192): params.json
    # says ffn_dim_multiplier too.
    spec = hf_models.LlamaSpec(num_kv_heads=2, intermediate_size=128, dtype=dtype, seed=12)
    hf = hf_models.write_random_llama(tmp_path / "hf", spec)
    meta = meta_export.write_meta_folder(hf, tmp_path / "meta", shards=2)
    for folder, out in ((hf, tmp_path / "out-hf"), (meta, tmp_path / "out-meta")):
        driver.compile(folder, out, *CONTEXT, check=True)
    short = {"bfloat16": "bf16", "float16": "f16"}[dtype]
    manifest = json.loads((tmp_path / "out-meta" / "manifest.json").read_text())
    assert manifest["source_format"] == f"Meta checkpoint, 2 shards ({short})"
    assert compiled_model(tmp_path / "out-meta") == compiled_model(tmp_path / "out-hf")


def test_logits_against_transformers(hf_folder, tmp_path):
    cxx = cxx_or_skip("g++")
    meta = meta_export.write_meta_folder(hf_folder, tmp_path / "meta", shards=2)
    out = tmp_path / "out"
    driver.compile(meta, out, *CONTEXT, check=True)
    prompt = random_prompt(SPEC.vocab_size, 8, seed=SPEC.seed)
    ids, logits = driver.run(driver.build(out, cxx), prompt, 4, out, extra=["--threads", "2"])
    ref = reference.hf_logits(hf_folder, prompt + ids[:-1])
    driver.check_close(logits, ref, "Meta checkpoint vs transformers")


@pytest.fixture(scope="module")
def good_meta(hf_folder, tmp_path_factory):
    return meta_export.write_meta_folder(hf_folder, tmp_path_factory.mktemp("meta") / "good")


def refused(folder, tmp_path, *messages):
    """Compiles `folder`, which must fail naming each of `messages` and write nothing."""
    out = tmp_path / "out"
    proc = driver.compile(folder, out, *CONTEXT)
    assert proc.returncode != 0, proc.stdout
    for message in messages:
        assert message in proc.stderr, proc.stderr
    assert not out.exists()
    return proc.stderr


def broken_copy(good_meta, tmp_path):
    folder = tmp_path / "meta"
    shutil.copytree(good_meta, folder)
    return folder


def rewrite_zip(path, change=lambda name, data: data, compression=zipfile.ZIP_STORED):
    """Rewrites the zip at `path` with each entry's bytes passed through `change`."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, change(i.filename, z.read(i))) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in entries:
            z.writestr(name, data)


class Exploit:
    """Unpickled by pickle.loads, this would run os.system('true')."""

    def __reduce__(self):
        import os
        return (os.system, ("true",))


@pytest.mark.asan
def test_pickle_naming_os_system(good_meta, tmp_path):
    folder = broken_copy(good_meta, tmp_path)
    pth = folder / "consolidated.00.pth"
    rewrite_zip(pth, lambda name, data: pickle.dumps({"tok_embeddings.weight": Exploit()},
                                                     protocol=2)
                if name.endswith("/data.pkl") else data)
    refused(folder, tmp_path, f"{pth}: pickle byte", "refuses global 'posix.system'")


@pytest.mark.asan
def test_truncated_zip(good_meta, tmp_path):
    folder = broken_copy(good_meta, tmp_path)
    pth = folder / "consolidated.00.pth"
    pth.write_bytes(pth.read_bytes()[:100000])
    refused(folder, tmp_path, f"{pth}: has no zip end-of-central-directory record")


@pytest.mark.asan
def test_compressed_entry(good_meta, tmp_path):
    folder = broken_copy(good_meta, tmp_path)
    pth = folder / "consolidated.00.pth"
    rewrite_zip(pth, compression=zipfile.ZIP_DEFLATED)
    refused(folder, tmp_path, f"{pth}: zip entry", "is compressed (method 8)")


@pytest.mark.asan
def test_storage_smaller_than_tensor(good_meta, tmp_path):
    folder = broken_copy(good_meta, tmp_path)
    pth = folder / "consolidated.00.pth"
    rewrite_zip(pth, lambda name, data: data[:100] if name.endswith("/data/0") else data)
    refused(folder, tmp_path, f"{pth}: storage '0' is 100 bytes, fewer than its")


@pytest.mark.asan
def test_params_disagree(good_meta, tmp_path):
    folder = broken_copy(good_meta, tmp_path)
    params = json.loads((folder / "params.json").read_text())
    params["n_kv_heads"] = 4
    (folder / "params.json").write_text(json.dumps(params))
    refused(folder, tmp_path, f"{folder / 'params.json'}: disagrees with the checkpoint",
            "(layers.0.attention.wk.weight)")


@pytest.mark.asan
def test_missing_shard(good_meta, tmp_path):
    folder = broken_copy(good_meta, tmp_path)
    shutil.copy(folder / "consolidated.00.pth", folder / "consolidated.02.pth")
    refused(folder, tmp_path, "no consolidated.01.pth")


@pytest.mark.asan
def test_shards_disagree(hf_folder, tmp_path):
    """A norm that differs between shards (each rank holds a copy), a tensor one shard lacks."""
    import torch
    folder = meta_export.write_meta_folder(hf_folder, tmp_path / "meta", shards=2)
    second = tmp_path / "meta" / "consolidated.01.pth"
    state = torch.load(second)
    state["norm.weight"] = state["norm.weight"] + 1
    torch.save(state, second)
    refused(folder, tmp_path, f"{second}: tensor 'norm.weight' differs from",
            "but every shard holds the same copy")
    del state["norm.weight"]
    torch.save(state, second)
    refused(folder, tmp_path, f"{second}: lacks tensor 'norm.weight' that")


@pytest.mark.asan
def test_tokenizer_beside_is_read(good_meta, tmp_path):
    """Llama 2's tokenizer.model (32000 tokens) beside a 256-token model: read, and refused."""
    folder = broken_copy(good_meta, tmp_path)
    shutil.copy(REPO / "models" / "llama2-tokenizer" / "tokenizer.model",
                folder / "tokenizer.model")
    refused(folder, tmp_path, f"{folder / 'tokenizer.model'}", "32000")


def test_llama3_download_layout(tmp_path):
    """Meta's Llama 3 download: 2 vocab-parallel shards, params.json and the tiktoken
    tokenizer.model (from the llama-models package): the compiled tokenizer gives Meta's
    tokenizer's ids."""
    llama3 = pytest.importorskip("llama_models.llama3.tokenizer")
    tokenizer_model = Path(llama3.__file__).with_name("tokenizer.model")
    spec = hf_models.LlamaSpec(hidden_size=32, intermediate_size=64, num_heads=2, num_kv_heads=1,
                               vocab_size=128256, rope_theta=500000.0, seed=13)
    hf = hf_models.write_random_llama(tmp_path / "hf", spec)
    meta = meta_export.write_meta_folder(hf, tmp_path / "meta", shards=2, embed_dim=0)
    shutil.copy(tokenizer_model, tmp_path / "meta" / "tokenizer.model")
    out = tmp_path / "out"
    driver.compile(meta, out, *CONTEXT, check=True)
    text = "Hello world, it's Việt 2024<|eot_id|>".encode()
    proc = subprocess.run([str(llmc_tokenize()), str(out / "tokenizer.bin"), "--bos"],
                          input=struct.pack("<I", len(text)) + text, capture_output=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    ids = [int(i) for i in proc.stdout.decode().split("\t")[0].split()]
    expected = llama3.Tokenizer(tokenizer_model).encode(text.decode(), bos=True, eos=False,
                                                        allowed_special="all")
    assert ids == expected
    assert expected[0] == 128000 and expected[-1] == 128009  # <|begin_of_text|>, <|eot_id|>
