# lit configuration for llmc's compiler tests (dialect, importer, transforms, emitter).
import os
import shutil

import lit.formats
from lit.llvm import llvm_config

config.name = "llmc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.llmc_obj_root)
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "e2e", "runtime",
                   "fuzz", "Inputs", "unit"]

config.substitutions.append(("%models", os.path.join(config.llmc_source_dir, "models")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

llvm_config.use_default_substitutions()
llvm_config.add_tool_substitutions(["llmc", "llmc-opt"], [config.llmc_tools_dir])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# The AArch64 cross compiler (scripts/setup.sh installs it): the ARM kernel files' assembly.
aarch64_cxx = shutil.which("aarch64-linux-gnu-g++")
if aarch64_cxx:
    config.available_features.add("aarch64-cxx")
    config.substitutions.append(("%aarch64-cxx", aarch64_cxx))
