"""Inputs that used to compile into a program computing something else, silently (issue 16):
config keys that change the math, non-finite weights, a tokenizer llmc cannot read. Each is now
an error naming the file and the problem, or a warning where the result is still right.
"""

import json
import re
import struct

import numpy as np
import pytest

from llmc import driver
from test_bad_input import CONFIG, expect_refused, llama_tensors, write_model

Q_PROJ = "model.layers.0.self_attn.q_proj.weight"


def compiled_context(model, tmp_path, *extra):
    """The KV-cache length a compile picks (llm.context_length of the imported module)."""
    proc = driver.compile(model, tmp_path / "unused", "--emit", "mlir", *extra)
    assert proc.returncode == 0, proc.stderr
    return int(re.search(r"llm\.context_length = (\d+)", proc.stdout).group(1))


# ---- config keys --------------------------------------------------------------------------------

@pytest.mark.llmc
@pytest.mark.parametrize("key,value,phrase", [
    ("hidden_act", "gelu", r'unsupported hidden_act "gelu" \(the MLP'),
    ("final_logit_softcapping", 30.0, r"unsupported final_logit_softcapping 30 \(tanh"),
    ("attn_logit_softcapping", 50.0, r"unsupported attn_logit_softcapping 50"),
    ("partial_rotary_factor", 0.5, r"unsupported partial_rotary_factor 0.5"),
    ("residual_multiplier", 0.22, r"unsupported residual_multiplier 0.22"),
    ("embedding_multiplier", 12.0, r"unsupported embedding_multiplier 12"),
    ("use_qk_norm", True, r"unsupported use_qk_norm true \(norms on queries and keys"),
    ("num_local_experts", 8, r"unsupported num_local_experts 8 \(mixture of experts"),
    ("layer_types", ["full_attention", "sliding_attention"], r"unsupported layer_types"),
    ("quantization_config", {"quant_method": "awq"}, r"unsupported quantization_config"),
    ("model_type", "mistral", r"unsupported model_type 'mistral'"),
])
def test_config_key_that_changes_the_math_is_refused(tmp_path, key, value, phrase):
    model = write_model(tmp_path / "hf_model", config=dict(CONFIG, **{key: value}))
    expect_refused(model, tmp_path, "config.json", phrase)


@pytest.mark.llmc
@pytest.mark.parametrize("key,value", [
    ("final_logit_softcapping", None), ("partial_rotary_factor", 1.0), ("use_qk_norm", False),
    ("num_local_experts", 0), ("layer_types", ["full_attention", "full_attention"]),
    ("pretraining_tp", 4),
])
def test_neutral_values_compile(tmp_path, key, value):
    model = write_model(tmp_path / "hf_model", config=dict(CONFIG, **{key: value}))
    proc = driver.compile(model, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr, proc.stderr


@pytest.mark.llmc
def test_unknown_math_like_key_warns(tmp_path):
    model = write_model(tmp_path / "hf_model", config=dict(CONFIG, attention_scaling=0.5))
    proc = driver.compile(model, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"llmc: warning: .*config\.json: unknown key 'attention_scaling' ignored",
                     proc.stderr), proc.stderr


@pytest.mark.llmc
def test_sliding_window_caps_the_context(tmp_path):
    """Attending over the whole context is the windowed attention while the context fits the
    window; the default context shrinks to it and a longer --context is refused."""
    model = write_model(tmp_path / "hf_model", config=dict(CONFIG, sliding_window=16))
    assert compiled_context(model, tmp_path) == 16
    assert compiled_context(model, tmp_path, "--context", "8") == 8
    proc = driver.compile(model, tmp_path / "out", "--context", "32")
    assert proc.returncode == 1, proc.stderr
    assert "--context 32 is longer than the model's sliding_window 16" in proc.stderr
    assert not (tmp_path / "out").exists()
    off = write_model(tmp_path / "hf_off",
                      config=dict(CONFIG, sliding_window=16, use_sliding_window=False))
    assert compiled_context(off, tmp_path) == CONFIG["max_position_embeddings"]


# ---- weight values ------------------------------------------------------------------------------

@pytest.mark.llmc
@pytest.mark.parametrize("bad,shown", [(np.nan, "NaN"), (np.inf, r"\+Inf"), (-np.inf, "-Inf")])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_nonfinite_weight_is_refused(tmp_path, bad, shown, dtype):
    tensors = {n: a.astype(dtype) for n, a in llama_tensors().items()}
    tensors[Q_PROJ][3, 17] = bad
    tensors[Q_PROJ][5, 1] = bad  # only the first is named
    model = write_model(tmp_path / "hf_model", tensors=tensors)
    expect_refused(model, tmp_path, "model.safetensors",
                   rf"tensor 'layers\.0\.q_proj' \[32, 32\] holds {shown} at \[3, 17\]",
                   r"--allow-nonfinite")
    proc = driver.compile(model, tmp_path / "out", "--allow-nonfinite")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"llmc: warning: .*'layers\.0\.q_proj' \[32, 32\] holds 2 non-finite values, "
                     rf"the first {shown} at \[3, 17\]; kept", proc.stderr), proc.stderr


@pytest.mark.llmc
@pytest.mark.parametrize("hf_name,name,shape", [("lm_head.weight", "lm_head", "64, 32"),
                                                ("model.norm.weight", "norm", "32")])
def test_nonfinite_in_a_late_tensor_leaves_nothing(tmp_path, hf_name, name, shape):
    """The last tensors the blob writer would reach: a NaN there still ends the compile with
    nothing in or beside the output folder."""
    tensors = llama_tensors()
    tensors[hf_name].flat[-1] = np.nan
    last = ", ".join(str(d - 1) for d in tensors[hf_name].shape)
    model = write_model(tmp_path / "hf_model", tensors=tensors)
    expect_refused(model, tmp_path, "model.safetensors",
                   rf"tensor '{name}' \[{shape}\] holds NaN at \[{last}\]")


@pytest.mark.llmc
def test_constant_matrices_warn(tmp_path):
    tensors = llama_tensors()
    tensors[Q_PROJ][:] = 0
    tensors["model.layers.1.mlp.up_proj.weight"][:] = 0.25
    tensors["model.norm.weight"][:] = 1.0  # a constant vector is a normal norm weight
    proc = driver.compile(write_model(tmp_path / "hf_model", tensors=tensors), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    warnings = [l for l in proc.stderr.splitlines() if "warning" in l]
    assert len(warnings) == 2, proc.stderr
    assert "tensor 'layers.0.q_proj' [32, 32] is all zeros" in warnings[0]
    assert "tensor 'layers.1.up_proj' [48, 32] holds one value, 0.25, throughout" in warnings[1]


# ---- tokenizers llmc cannot read ----------------------------------------------------------------

TOKENIZER_FLAGS_OFFSET = 28  # runtime/blob_format.h: llmrt_tokenizer_header.flags
IDS_ONLY = 2


def tokenizer_flags(out):
    return struct.unpack_from("<I", (out / "tokenizer.bin").read_bytes(), TOKENIZER_FLAGS_OFFSET)[0]


# A tokenizer.json llmc cannot read: another model type, or a BPE with GPT-2's pre-tokenizer.
UNREADABLE_TOKENIZERS = {
    "wordpiece": ({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}},
                  r"model type 'WordPiece' is not supported \(llmc reads BPE\)"),
    "gpt2-regex": ({"normalizer": None,
                    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                                      "trim_offsets": True, "use_regex": True},
                    "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}},
                   r"pre_tokenizer ByteLevel is not supported"),
}


@pytest.mark.llmc
@pytest.mark.parametrize("kind", sorted(UNREADABLE_TOKENIZERS))
def test_unreadable_tokenizer_json_is_refused(tmp_path, kind):
    document, reason = UNREADABLE_TOKENIZERS[kind]
    model = write_model(tmp_path / "hf_model")
    (model / "tokenizer.json").write_text(json.dumps(document))
    expect_refused(model, tmp_path, "tokenizer.json", reason, r"--no-tokenizer")
    proc = driver.compile(model, tmp_path / "out", "--no-tokenizer")
    assert proc.returncode == 0, proc.stderr
    assert tokenizer_flags(tmp_path / "out") & IDS_ONLY
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["tokenizer"] == "placeholder pieces <N>"


@pytest.mark.llmc
def test_no_tokenizer_drops_a_readable_one(tmp_path, workspace):
    from conftest import STORIES_BIN, STORIES_TOK
    proc = driver.compile(STORIES_BIN, tmp_path / "with", "--tokenizer", str(STORIES_TOK))
    assert proc.returncode == 0, proc.stderr
    assert not tokenizer_flags(tmp_path / "with") & IDS_ONLY
    proc = driver.compile(STORIES_BIN, tmp_path / "without", "--no-tokenizer")
    assert proc.returncode == 0, proc.stderr
    assert tokenizer_flags(tmp_path / "without") & IDS_ONLY
    proc = driver.compile(STORIES_BIN, tmp_path / "both", "--no-tokenizer",
                          "--tokenizer", str(STORIES_TOK))
    assert proc.returncode == 1 and "contradict" in proc.stderr, proc.stderr


@pytest.mark.llmc
def test_llama2c_checkpoint_finds_its_tokenizer_or_says_it_has_none(tmp_path):
    """As llama2.c's run: tokenizer.bin or tok<vocab>.bin beside the checkpoint."""
    import shutil
    from conftest import STORIES_BIN, STORIES_TOK
    proc = driver.compile(STORIES_BIN, tmp_path / "beside")
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    assert not tokenizer_flags(tmp_path / "beside") & IDS_ONLY
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(STORIES_BIN, alone / "model.bin")
    proc = driver.compile(alone / "model.bin", tmp_path / "ids")
    assert proc.returncode == 0, proc.stderr
    assert (f"{alone / 'model.bin'}: no tokenizer given and none beside the checkpoint (looked "
            f"for {alone / 'tokenizer.bin'}, {alone / 'tok512.bin'})") in proc.stderr
    assert tokenizer_flags(tmp_path / "ids") & IDS_ONLY
    proc = driver.compile(alone / "model.bin", tmp_path / "told", "--no-tokenizer")
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    shutil.copy(STORIES_TOK, alone / "tokenizer.bin")
    proc = driver.compile(alone / "model.bin", tmp_path / "found")
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    assert (tmp_path / "found" / "tokenizer.bin").read_bytes() == \
        (tmp_path / "beside" / "tokenizer.bin").read_bytes()
