"""Fixtures of the GGUF suite (python3 -m pytest test/gguf).

They live in llmc.testing, shared with test/e2e: tests marked `llmc` need build/bin/llmc (or
$LLMC_BIN) and cmake + a C++ compiler; without the binary they are skipped, unless
LLMC_REQUIRE_BUILD=1, where they fail.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from llmc.testing import *  # noqa: E402,F401,F403 - hooks, fixtures and constants
