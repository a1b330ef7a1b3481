"""Fixtures of the GGUF suite (python3 -m pytest test/gguf).

Tests marked `llmc` need build/bin/llmc (or $LLMC_BIN) and cmake + a C++ compiler. Without the
binary they are skipped, unless LLMC_REQUIRE_BUILD=1, where they fail (as in test/e2e).
"""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))

from llmc import driver  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "llmc: needs the llmc compiler binary and a C++ toolchain")


def pytest_collection_modifyitems(config, items):
    if driver.have_llmc() or os.environ.get("LLMC_REQUIRE_BUILD") == "1":
        return
    skip = pytest.mark.skip(reason=f"llmc binary not found at {driver.llmc_binary()} "
                                   "(build it, or set LLMC_BIN; LLMC_REQUIRE_BUILD=1 to fail)")
    for item in items:
        if "llmc" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _llmc_required(request):
    """With LLMC_REQUIRE_BUILD=1 a missing binary fails every test that needs it."""
    if request.node.get_closest_marker("llmc") and not driver.have_llmc():
        pytest.fail(f"LLMC_REQUIRE_BUILD=1 but the llmc binary is missing: {driver.llmc_binary()}")
