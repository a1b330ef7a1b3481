"""Fixtures of the end-to-end suite (python3 -m pytest test/e2e).

They live in llmc.testing, shared with test/gguf: the `llmc` marker (skip, or fail under
LLMC_REQUIRE_BUILD=1, without the compiler binary), the session-scoped `workspace` of compiled
models and builds, and the constants the tests import from here (STORIES_BIN, WERROR, ...).
"""

# llmc comes from python/ through pytest.ini's `pythonpath` (or `pip install -e python`).
from llmc.testing import *  # noqa: F401,F403 - hooks, fixtures and constants
