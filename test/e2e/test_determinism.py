"""Compiling the same model twice gives byte-identical folders (every file, every byte)."""

import pytest

from conftest import STORIES_TOK
from llmc import driver

pytestmark = pytest.mark.llmc

EXPECTED = {"CMakeLists.txt", "model.h", "model.cpp", "kernels_generic.cpp", "kernels_generic.h",
            "weights.bin", "manifest.json"}


@pytest.mark.parametrize("name", ["stories_bin", "sharded"])
def test_compile_twice_identical(workspace, tmp_path, name):
    model = workspace.model_path(name)
    extra = ["--tokenizer", str(STORIES_TOK)] if name == "stories_bin" else []
    digests = []
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
        out = tmp_path / run / "out"
        driver.compile(model, out, *extra, check=True)
        digests.append(driver.tree_digest(out))
    first, second = digests
    assert EXPECTED <= set(first), f"missing from out/: {sorted(EXPECTED - set(first))}"
    assert "runtime/" in first
    if name == "stories_bin":
        assert "tokenizer.bin" in first
    differ = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
    assert not differ, f"files that differ between two compiles: {differ}"
