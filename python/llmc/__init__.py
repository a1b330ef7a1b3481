"""llmc's Python side: test-model generators, references, and a driver for the compiler.

    from llmc import write_random_llama, LlamaSpec, hf_logits, compile, build, run, check_close
"""

from llmc.driver import (BuildError, CompileError, build, check_close, compile, find_cxx,
                         have_llmc, llmc_binary, run, tolerance, tree_digest)
from llmc.hf_models import LlamaSpec, TEST_SPECS, write_random_llama
from llmc.reference import hf_greedy, hf_logits

__all__ = [
    "BuildError", "CompileError", "LlamaSpec", "TEST_SPECS", "build", "check_close", "compile",
    "find_cxx", "have_llmc", "hf_greedy", "hf_logits", "llmc_binary", "run", "tolerance",
    "tree_digest", "write_random_llama",
]
