"""The references themselves, without llmc: the test-model generator, the llama2.c reader and
converter, the numpy llama2.c forward pass, and check_close. The compiler tests trust these."""

import json
import struct

import numpy as np
import pytest
import torch

from conftest import STORIES_BIN, STORIES_TOK, random_prompt
from llmc import driver, hf_models, llama2c, reference


def safetensors_header(path) -> dict:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n))


# ---- hf_models ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(hf_models.TEST_SPECS))
def test_random_model_loads_and_spreads_logits(workspace, name):
    spec = hf_models.TEST_SPECS[name]
    folder = workspace.hf_model(name)
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    if spec.config_style == "classic":
        assert config["rope_theta"] == spec.rope_theta
        assert config["rope_scaling"] == spec.rope_scaling
    else:
        assert "rope_parameters" in config and "rope_scaling" not in config

    # Stored dtype, sharding and tying are what the spec says.
    files = sorted(folder.glob("*.safetensors"))
    if spec.max_shard_size:
        assert len(files) > 1 and (folder / "model.safetensors.index.json").is_file()
    else:
        assert [f.name for f in files] == ["model.safetensors"]
    headers = {}
    for f in files:
        headers.update({k: v for k, v in safetensors_header(f).items() if k != "__metadata__"})
    want = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}[spec.dtype]
    assert {t["dtype"] for t in headers.values()} == {want}
    assert ("lm_head.weight" in headers) == (not spec.tie_word_embeddings)
    q = headers["model.layers.0.self_attn.q_proj.weight"]["shape"]
    assert q == [spec.num_heads * (spec.head_dim or spec.hidden_size // spec.num_heads),
                 spec.hidden_size]

    # Logits far enough apart for argmax comparisons at the suite's tolerance.
    logits = reference.hf_logits(folder, random_prompt(spec.vocab_size, 16))
    assert logits.shape == (16, spec.vocab_size)
    top2 = np.sort(logits, axis=1)[:, -2:]
    assert logits.std() > 0.5
    assert (top2[:, 1] - top2[:, 0]).min() > 10 * driver.tolerance(logits)


def test_llama3_rope_scaling_changes_frequencies(workspace):
    """original_max_position_embeddings is small enough that scaling moves some frequencies."""
    model = reference.load_hf_model(str(workspace.hf_model("gqa_llama3")))
    spec = hf_models.TEST_SPECS["gqa_llama3"]
    hd = spec.hidden_size // spec.num_heads
    plain = 1.0 / spec.rope_theta ** (torch.arange(0, hd, 2).double() / hd)
    scaled = model.model.rotary_emb.inv_freq.double()
    assert torch.allclose(scaled[0], plain[0])               # high frequency: kept
    assert torch.allclose(scaled[-1], plain[-1] / 8)         # low frequency: divided by factor
    assert plain[1] / 8 * 1.01 < scaled[1] < plain[1] * 0.99  # between: smoothed


# ---- llama2.c ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stories():
    return llama2c.read_checkpoint(STORIES_BIN)


def test_read_stories260k(stories):
    cfg, w, version = stories
    assert version == 0
    assert (cfg.dim, cfg.hidden_dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.vocab_size,
            cfg.seq_len, cfg.shared_classifier) == (64, 172, 5, 8, 4, 512, 512, True)
    # The stored RoPE table matches theta 10000: checks every tensor offset before it.
    real, imag = llama2c.freq_cis(cfg)
    np.testing.assert_allclose(w["freq_cis_real"], real, atol=1e-5)
    np.testing.assert_allclose(w["freq_cis_imag"], imag, atol=1e-5)


def test_permutation_matches_formula():
    n_heads, hd, cols = 3, 8, 2
    w = np.arange(n_heads * hd * cols, dtype=np.float32).reshape(n_heads * hd, cols)
    p = llama2c.permute_rope_rows(w, n_heads)
    for h in range(n_heads):
        for j in range(2):
            for i in range(hd // 2):
                np.testing.assert_array_equal(p[h * hd + j * (hd // 2) + i], w[h * hd + 2 * i + j])


def test_stories260k_converter_agrees_with_numpy(workspace, stories):
    """transformers on the converted folder == llama2.c-convention numpy forward pass."""
    cfg, w, _ = stories
    tokens = [1] + random_prompt(cfg.vocab_size, 15, seed=1)
    ours = llama2c.forward(cfg, w, tokens)
    ref = reference.hf_logits(workspace.stories_hf(), tokens)
    driver.check_close(ref, ours, "transformers vs numpy llama2.c")


def test_stories260k_greedy_text(workspace, stories):
    cfg, w, _ = stories
    ids = llama2c.greedy(cfg, w, [1], 20)
    assert reference.hf_greedy(workspace.stories_hf(), [1], 20) == ids
    pieces, scores = llama2c.read_tokenizer(STORIES_TOK, cfg.vocab_size)
    text = llama2c.decode(pieces, ids)
    assert text.startswith("Once upon a time")
    assert llama2c.encode(pieces, scores, "Once upon a time") == ids[:4]


def test_v1_round_trip(tmp_path, stories):
    cfg, w, _ = stories
    llama2c.write_checkpoint(tmp_path / "v1.bin", cfg, w, version=1)
    cfg1, w1, version = llama2c.read_checkpoint(tmp_path / "v1.bin")
    assert version == 1 and cfg1 == cfg
    for name in ("token_embedding", "wq", "w2", "rms_final", "wcls"):
        np.testing.assert_array_equal(w1[name], w[name])
    llama2c.write_checkpoint(tmp_path / "v0.bin", cfg, w, version=0)
    assert (tmp_path / "v0.bin").read_bytes() == STORIES_BIN.read_bytes()


@pytest.mark.parametrize("version", [0, 1])
def test_unshared_classifier_gqa_checkpoint(tmp_path, version):
    cfg = llama2c.Llama2cConfig(dim=48, hidden_dim=100, n_layers=2, n_heads=6, n_kv_heads=2,
                                vocab_size=97, seq_len=64, shared_classifier=False)
    path = tmp_path / "model.bin"
    llama2c.write_checkpoint(path, cfg, llama2c.random_checkpoint(cfg, seed=3), version=version)
    cfg2, w, _ = llama2c.read_checkpoint(path)
    assert cfg2 == cfg and w["wcls"] is not w["token_embedding"]
    folder = llama2c.to_hf_folder(path, tmp_path / "hf")
    assert "lm_head.weight" in safetensors_header(tmp_path / "hf" / "model.safetensors")
    tokens = random_prompt(cfg.vocab_size, 12, seed=2)
    driver.check_close(reference.hf_logits(folder, tokens), llama2c.forward(cfg, w, tokens))


def test_read_checkpoint_rejects_wrong_size(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(STORIES_BIN.read_bytes()[:-4])
    with pytest.raises(ValueError, match="header implies"):
        llama2c.read_checkpoint(bad)


# ---- check_close ------------------------------------------------------------------------------

def test_check_close():
    ref = np.random.default_rng(0).standard_normal((4, 50)).astype(np.float32) * 10
    assert driver.check_close(ref.copy(), ref) == 0.0
    tol = driver.tolerance(ref)
    ok = ref + np.float32(tol * 0.5)
    driver.check_close(ok, ref)
    with pytest.raises(AssertionError, match="tolerance"):
        driver.check_close(ref + np.float32(tol * 2), ref)
    with pytest.raises(AssertionError, match="shape"):
        driver.check_close(ref[:3], ref)
    nan = ref.copy()
    nan[2, 3] = np.nan
    with pytest.raises(AssertionError, match="non-finite"):
        driver.check_close(nan, ref)
    # A near-tie decided the other way fails on argmax even within tolerance.
    tie = np.zeros((1, 4), np.float32)
    tie[0, :2] = [1.0, 1.0 - 1e-5]
    swapped = tie[:, [1, 0, 2, 3]]
    with pytest.raises(AssertionError, match="argmax"):
        driver.check_close(swapped, tie)
