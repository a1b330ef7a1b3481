"""Fixtures of the chat template suite (python3 -m pytest test/chat).

They live in llmc.testing, shared with test/e2e: tests marked `llmc` need build/bin/llmc (or
$LLMC_BIN); without the binary they are skipped, unless LLMC_REQUIRE_BUILD=1, where they fail.
"""

# llmc comes from python/ through pytest.ini's `pythonpath` (or `pip install -e python`).
from llmc.testing import *  # noqa: F401,F403 - hooks, fixtures and constants
