"""llmc compile refuses broken inputs: a clear `llmc: error:` naming the file and the problem,
a non-zero exit, and nothing left behind (no -o folder, no temp folder beside it).

The broken safetensors files are written byte by byte here (header length, JSON, data), so
each case breaks exactly one thing.
"""

import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from conftest import STORIES_BIN
from llmc import driver

pytestmark = pytest.mark.asan

CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32,
    "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 2,
    "num_key_value_heads": 1, "vocab_size": 64, "max_position_embeddings": 64,
    "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False,
    "hidden_act": "silu", "torch_dtype": "float32",
}
DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64",
          np.dtype("int32"): "I32"}
NOT_FOUND = r"not found|no such file|missing|does not exist|cannot open|can't open|could not open" \
            r"|failed to open|unable to open"
OUT_OF_FILE = r"truncat|too (small|short)|exceed|beyond|past the end|out of (range|bounds)" \
              r"|outside|end of (the )?file|larger than|size"


def llama_tensors(cfg=CONFIG, seed=0) -> dict:
    """A complete, valid tensor set (HF names) for `cfg`, random float32."""
    rng = np.random.default_rng(seed)
    h, i, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = h // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    shapes = {"model.embed_tokens.weight": (v, h), "lm_head.weight": (v, h)}
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        shapes.update({
            p + "self_attn.q_proj.weight": (h, h), p + "self_attn.k_proj.weight": (kv, h),
            p + "self_attn.v_proj.weight": (kv, h), p + "self_attn.o_proj.weight": (h, h),
            p + "mlp.gate_proj.weight": (i, h), p + "mlp.up_proj.weight": (i, h),
            p + "mlp.down_proj.weight": (h, i)})
    shapes["model.norm.weight"] = (h,)
    # The two layer norms go last: the overlap case below relies on it.
    for l in range(cfg["num_hidden_layers"]):
        shapes[f"model.layers.{l}.input_layernorm.weight"] = (h,)
        shapes[f"model.layers.{l}.post_attention_layernorm.weight"] = (h,)
    return {n: rng.standard_normal(s).astype(np.float32) for n, s in shapes.items()}


def safetensors_bytes(tensors: dict, edit_header=None, edit_data=None) -> bytes:
    """A safetensors file: u64 header length, JSON header (space padded to 8), data.

    edit_header(header, data_len) and edit_data(data) may break it on purpose.
    """
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, arr in tensors.items():
        raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    data = b"".join(chunks)
    if edit_header:
        edit_header(header, len(data))
    if edit_data:
        data = edit_data(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write_model(folder: Path, config=CONFIG, tensors=None, **edits) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    (folder / "model.safetensors").write_bytes(
        safetensors_bytes(llama_tensors() if tensors is None else tensors, **edits))
    return folder


def expect_refused(model, tmp_path: Path, file_name: str, *patterns: str, out=None):
    """Compiles `model` and checks the failure: message, file name, phrases, nothing written."""
    parent = tmp_path / "o"
    parent.mkdir(exist_ok=True)
    before = sorted(p.name for p in parent.iterdir())
    out = out or parent / "out"
    proc = driver.compile(model, out)
    msg = proc.stderr
    assert proc.returncode > 0, f"exit {proc.returncode} (a crash if negative)\n{msg}"
    assert "llmc: error: " in msg, msg
    assert file_name in msg, f"the message does not name {file_name}: {msg}"
    for p in patterns:
        assert re.search(p, msg, re.IGNORECASE), f"no /{p}/ in: {msg}"
    assert not Path(out).exists(), f"{out} exists after a failed compile"
    after = sorted(p.name for p in parent.iterdir())
    assert after == before, f"left behind beside the output: {sorted(set(after) - set(before))}"
    return msg


# ---- the writer itself (no llmc needed) ---------------------------------------------------------

def test_writer_produces_valid_safetensors(tmp_path):
    from safetensors.numpy import load_file
    tensors = llama_tensors()
    write_model(tmp_path / "hf_model", tensors=tensors)
    loaded = load_file(tmp_path / "hf_model" / "model.safetensors")
    assert loaded.keys() == tensors.keys()
    for name, arr in tensors.items():
        np.testing.assert_array_equal(loaded[name], arr)


# ---- compiler cases -----------------------------------------------------------------------------

@pytest.mark.llmc
def test_valid_base_model_compiles(tmp_path):
    """The unbroken model compiles, so each failure below is due to its one defect."""
    proc = driver.compile(write_model(tmp_path / "hf_model"), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "weights.bin").is_file()


def _drop(name):
    def edit(tensors):
        del tensors[name]
    return edit


def _set(name, arr):
    def edit(tensors):
        tensors[name] = arr
    return edit


def _add(name, arr):
    return _set(name, arr)


# (case id, edit of the tensor dict, header edit, data edit, file named, phrases)
A_NORM = "model.layers.0.input_layernorm.weight"
LAST, SECOND_LAST = "model.layers.1.post_attention_layernorm.weight", \
    "model.layers.1.input_layernorm.weight"
SAFETENSORS_CASES = [
    ("missing_tensor", _drop("model.layers.1.mlp.up_proj.weight"), None, None,
     [r"layers\.1\.(mlp\.)?up_proj", r"missing|not found|absent|no tensor|lacks|expected"]),
    ("extra_tensor", _add("model.layers.0.mlp.extra_proj.weight", np.zeros((4, 4), np.float32)),
     None, None, [r"extra_proj", r"unexpected|unknown|extra|unrecogni[sz]ed|unused|not expected"]),
    ("wrong_shape", _set("model.layers.0.self_attn.q_proj.weight",
                         np.zeros((32, 16), np.float32)), None, None,
     [r"layers\.0\.(self_attn\.)?q_proj", r"shape|\[32, ?16\]|32 ?x ?16"]),
    ("dtype_F64", _set(A_NORM, np.ones(32, np.float64)), None, None,
     [r"F64|float64|dtype|data type"]),
    ("dtype_I32", _set(A_NORM, np.ones(32, np.int32)), None, None,
     [r"I32|int32|dtype|data type"]),
    ("truncated", None, None, lambda d: d[:-100], [OUT_OF_FILE]),
    ("offsets_out_of_range", None,
     lambda h, n: h[LAST].update(data_offsets=[2 ** 40, 2 ** 40 + 128]), None,
     [r"out of (range|bounds)|exceed|beyond|past the end|outside|larger than|data_offsets"]),
    # The last two 128-byte tensors overlap by half and the data shrinks to match: no holes.
    ("overlapping_offsets", None,
     lambda h, n: h[LAST].update(data_offsets=[n - 192, n - 64]), lambda d: d[:-64],
     [r"overlap"]),
    ("offsets_size_mismatch", None,
     lambda h, n: h[LAST].update(data_offsets=[n - 128, n - 64]), lambda d: d[:-64],
     [r"size|bytes|length|shape|offsets"]),
]


@pytest.mark.llmc
@pytest.mark.parametrize("case", SAFETENSORS_CASES, ids=[c[0] for c in SAFETENSORS_CASES])
def test_broken_safetensors(tmp_path, case):
    name, edit_tensors, edit_header, edit_data, patterns = case
    tensors = llama_tensors()
    if edit_tensors:
        edit_tensors(tensors)
    model = write_model(tmp_path / "hf_model", tensors=tensors, edit_header=edit_header,
                        edit_data=edit_data)
    # A missing tensor is missing from the folder (any shard could have held it).
    named = "hf_model" if name == "missing_tensor" else "model.safetensors"
    expect_refused(model, tmp_path, named, *patterns)


@pytest.mark.llmc
def test_header_longer_than_file(tmp_path):
    model = write_model(tmp_path / "hf_model")
    f = model / "model.safetensors"
    blob = bytearray(f.read_bytes())
    struct.pack_into("<Q", blob, 0, len(blob) + 1000)
    f.write_bytes(bytes(blob))
    expect_refused(model, tmp_path, "model.safetensors", r"header")


@pytest.mark.llmc
def test_file_shorter_than_header_length_field(tmp_path):
    model = write_model(tmp_path / "hf_model")
    (model / "model.safetensors").write_bytes(b"\x10\x00\x00")
    expect_refused(model, tmp_path, "model.safetensors", OUT_OF_FILE + "|header")


@pytest.mark.llmc
def test_header_not_json(tmp_path):
    model = write_model(tmp_path / "hf_model")
    text = b"{not json at all"
    text += b" " * (-len(text) % 8)
    (model / "model.safetensors").write_bytes(struct.pack("<Q", len(text)) + text)
    expect_refused(model, tmp_path, "model.safetensors", r"json|parse|header|syntax|invalid")


@pytest.mark.llmc
def test_missing_config(tmp_path):
    model = write_model(tmp_path / "hf_model")
    (model / "config.json").unlink()
    expect_refused(model, tmp_path, "config.json", NOT_FOUND)


@pytest.mark.llmc
def test_config_not_json(tmp_path):
    model = write_model(tmp_path / "hf_model")
    (model / "config.json").write_text('{"hidden_size": 32,')
    expect_refused(model, tmp_path, "config.json", r"json|parse|syntax|invalid|unexpected|expected")


@pytest.mark.llmc
def test_config_missing_field(tmp_path):
    config = {k: v for k, v in CONFIG.items() if k != "num_attention_heads"}
    expect_refused(write_model(tmp_path / "hf_model", config=config), tmp_path, "config.json",
                   r"num_attention_heads")


@pytest.mark.llmc
@pytest.mark.parametrize("arch,model_type", [("GPT2LMHeadModel", "gpt2"),
                                             ("MistralForCausalLM", "mistral")])
def test_not_llama(tmp_path, arch, model_type):
    config = dict(CONFIG, architectures=[arch], model_type=model_type)
    expect_refused(write_model(tmp_path / "hf_model", config=config), tmp_path, "config.json",
                   f"{arch}|{model_type}")


@pytest.mark.llmc
def test_missing_shard(tmp_path):
    """The index names a shard that is not there."""
    model = write_model(tmp_path / "hf_model")
    tensors = llama_tensors()
    names = list(tensors)
    half = len(names) // 2
    (model / "model.safetensors").unlink()
    (model / "model-00001-of-00002.safetensors").write_bytes(
        safetensors_bytes({n: tensors[n] for n in names[:half]}))
    index = {"metadata": {}, "weight_map": {n: f"model-0000{1 + (k >= half)}-of-00002.safetensors"
                                            for k, n in enumerate(names)}}
    (model / "model.safetensors.index.json").write_text(json.dumps(index))
    expect_refused(model, tmp_path, "model-00002-of-00002.safetensors", NOT_FOUND)


@pytest.mark.llmc
@pytest.mark.parametrize("delta", [-4, 4], ids=["short", "long"])
def test_llama2c_size_mismatch(tmp_path, delta):
    blob = STORIES_BIN.read_bytes()
    bad = tmp_path / "checkpoint.bin"
    bad.write_bytes(blob[:delta] if delta < 0 else blob + b"\0" * delta)
    expect_refused(bad, tmp_path, "checkpoint.bin", r"size|bytes|truncat|expected|header|long|short")


@pytest.mark.llmc
def test_output_parent_missing(tmp_path):
    model = write_model(tmp_path / "hf_model")
    out = tmp_path / "no_such_parent" / "deeper" / "out"
    expect_refused(model, tmp_path, "no_such_parent", r"exist|no such|not found|cannot create"
                   r"|could not create|failed to create|unable to create", out=out)
    assert not (tmp_path / "no_such_parent").exists()


@pytest.mark.llmc
def test_missing_model(tmp_path):
    expect_refused(tmp_path / "nothing_here", tmp_path, "nothing_here", NOT_FOUND)


def test_overlap_case_has_no_holes():
    """The overlap case overlaps two tensors and breaks nothing else: no gap, nothing past the end."""
    case = dict((c[0], c) for c in SAFETENSORS_CASES)["overlapping_offsets"]
    blob = safetensors_bytes(llama_tensors(), edit_header=case[2], edit_data=case[3])
    (n,) = struct.unpack_from("<Q", blob)
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__")
    ranges = sorted(tuple(t["data_offsets"]) for t in header.values())
    covered, overlaps = 0, 0
    for begin, end in ranges:
        assert begin <= covered, "a hole in the data"
        overlaps += begin < covered
        covered = max(covered, end)
    assert overlaps == 1 and covered == len(blob) - 8 - n
    assert list(llama_tensors())[-2:] == [SECOND_LAST, LAST]
