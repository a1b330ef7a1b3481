"""llm-run refuses a damaged weights.bin with a message naming it, and never runs on it."""

import re
import shutil
import struct

import pytest

from conftest import random_prompt
from llmc import driver

pytestmark = [pytest.mark.llmc, pytest.mark.asan]

# runtime/blob_format.h: llmrt_blob_header (magic version tensor_count file_size table_offset
# table_size data_offset table_checksum reserved) and llmrt_tensor_entry (name dtype ndim dims[4]
# offset size checksum).
HEADER = struct.Struct("<8sIIQQQQQQ")
ENTRY = struct.Struct("<64sII4Q3Q")
OFFSET, SIZE = 7, 8  # fields of an unpacked entry
assert HEADER.size == 64 and ENTRY.size == 128


def first_tensor_middle(blob: bytes) -> int:
    """File offset of a byte in the middle of the first tensor's data."""
    _, _, count, _, table_offset, _, data_offset, _, _ = HEADER.unpack_from(blob, 0)
    assert count > 0
    entry = ENTRY.unpack_from(blob, table_offset)
    offset, size = entry[OFFSET], entry[SIZE]
    return data_offset + offset + size // 2


def corrupt(blob: bytes, how: str) -> bytes:
    b = bytearray(blob)
    if how == "data_byte":
        b[first_tensor_middle(blob)] ^= 0x5A
    elif how == "last_tensor_byte":
        b[len(b) - 1 - _trailing_padding(blob)] ^= 0x01
    elif how == "table_byte":
        b[HEADER.size + 64] ^= 0x01     # first entry's dtype
    elif how == "truncated":
        b = b[: len(b) - 1]
    elif how == "truncated_half":
        b = b[: len(b) // 2]
    elif how == "magic":
        b[0:8] = b"NOTLLMC\0"
    elif how == "version":
        struct.pack_into("<I", b, 8, 99)
    elif how == "extra_bytes":
        b += b"\0" * 64
    elif how == "empty":
        b = bytearray()
    else:
        raise ValueError(how)
    return bytes(b)


def _trailing_padding(blob: bytes) -> int:
    """Bytes after the end of the last tensor's data."""
    _, _, count, _, table_offset, _, data_offset, _, _ = HEADER.unpack_from(blob, 0)
    end = max(data_offset + e[OFFSET] + e[SIZE] for e in
              (ENTRY.unpack_from(blob, table_offset + i * ENTRY.size) for i in range(count)))
    return len(blob) - end


def tokenizer_args(out):
    """The compiled folder's tokenizer, so only weights.bin can be at fault."""
    tok = out / "tokenizer.bin"
    return ["--tokenizer", str(tok)] if tok.is_file() else []


@pytest.fixture(scope="module")
def model(workspace):
    return workspace.compiled("mha"), workspace.built("mha")


def test_intact_copy_runs(model, tmp_path):
    out, build = model
    shutil.copy(out / "weights.bin", tmp_path / "weights.bin")
    driver.run(build, random_prompt(256, 4), 2, out=out, weights=tmp_path / "weights.bin")


# What the message must say besides the file name, per corruption.
PHRASES = {"data_byte": "checksum", "last_tensor_byte": "checksum", "table_byte": "checksum",
           "truncated": "bytes|size", "truncated_half": "bytes|size", "magic": "magic",
           "version": "version", "extra_bytes": "bytes|size", "empty": "bytes|size|header"}


@pytest.mark.parametrize("how", list(PHRASES))
def test_corrupt_weights_refused(model, tmp_path, how):
    out, build = model
    bad = tmp_path / how / "weights.bin"
    bad.parent.mkdir()
    bad.write_bytes(corrupt((out / "weights.bin").read_bytes(), how))
    proc = driver.run_raw(build, "--weights", str(bad), "--tokens", "1,2,3", "--steps", "2",
                          "--print-token-ids", *tokenizer_args(out))
    assert proc.returncode != 0, f"llm-run accepted a weights.bin with {how}: {proc.stdout}"
    assert "weights.bin" in proc.stderr, proc.stderr
    assert re.search(PHRASES[how], proc.stderr, re.IGNORECASE), proc.stderr


def test_other_models_weights_refused(workspace, model, tmp_path):
    """A weights.bin compiled from another model (different shapes) is refused too."""
    out, build = model
    other = tmp_path / "weights.bin"
    shutil.copy(workspace.compiled("odd_sizes") / "weights.bin", other)
    proc = driver.run_raw(build, "--weights", str(other), "--tokens", "1,2,3", "--steps", "2",
                          *tokenizer_args(out))
    assert proc.returncode != 0 and "weights.bin" in proc.stderr, proc.stderr
