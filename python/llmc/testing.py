"""What the pytest suites (test/e2e, test/gguf) share; their conftest.py files re-export it all.

Tests marked `llmc` need build/bin/llmc (or $LLMC_BIN) and cmake + a C++ compiler. Without the
binary they are skipped, unless LLMC_REQUIRE_BUILD=1 (as `make test` sets), where they fail.
Compiled folders and builds are shared through the session-scoped `workspace`, so each model is
compiled and each (model, compiler, flags) built once per run.

Both conftest.py files export the same names, so `from conftest import STORIES_BIN` works in
either suite whichever of the two pytest imported last under the module name `conftest`.
"""

from __future__ import annotations  # `str | None` annotations on Python 3.9

import os
import platform
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from llmc import driver, hf_models, llama2c

REPO = Path(__file__).resolve().parents[2]
STORIES_BIN = REPO / "models" / "stories260K" / "stories260K.bin"
STORIES_TOK = REPO / "models" / "stories260K" / "tok512.bin"
WERROR = "-Wall -Wextra -Werror"

__all__ = [
    "ARM_TARGETS", "REPO", "STORIES_BIN", "STORIES_TOK", "WERROR", "ModelCache", "Workspace",
    "_llmc_required", "arm_emulator", "build_for", "built_tool", "can_run", "cpu_has",
    "cxx_or_skip", "peak_rss_bytes",
    "pytest_collection_modifyitems", "pytest_configure", "random_prompt", "skip_unless_runnable",
    "workspace",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "llmc: needs the llmc compiler binary and a C++ toolchain")


def _require_build() -> bool:
    return os.environ.get("LLMC_REQUIRE_BUILD") == "1"


def pytest_collection_modifyitems(config, items):
    if driver.have_llmc() or _require_build():
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


def built_tool(name: str, env_var: str) -> Path:
    """A test tool of the build (build/bin/NAME): $ENV_VAR if set, else beside $LLMC_BIN, else
    the repository's build/bin. Missing, the test skips, or fails under LLMC_REQUIRE_BUILD=1."""
    if env_var in os.environ:
        path = Path(os.environ[env_var])
    else:
        llmc = os.environ.get("LLMC_BIN")
        path = (Path(llmc).parent if llmc else REPO / "build" / "bin") / name
    if not path.is_file():
        message = f"{path} is missing: build the {name} target, or set {env_var}"
        if _require_build():
            pytest.fail(message)
        pytest.skip(message)
    return path


def meta_llama3_tokenizer():
    """Meta's Llama 3 tokenizer object (tiktoken inside) and the tokenizer.model that the
    llama-models package ships (never copied into the repository); skips without the package."""
    module = pytest.importorskip("llama_models.llama3.tokenizer")
    path = Path(module.__file__).parent / "tokenizer.model"
    return module.Tokenizer(path), path


def llmc_tokenize() -> Path:
    """build/bin/llmc-tokenize (test/tokenizer): built_tool's lookup."""
    return built_tool("llmc-tokenize", "LLMC_TOKENIZE")


def require_llmc_tokenize() -> None:
    """Skips (fails under LLMC_REQUIRE_BUILD=1) where llmc-tokenize is not built."""
    llmc_tokenize()


def cxx_or_skip(name: str) -> str:
    path = driver.find_cxx(name)
    if path is None:
        pytest.skip(f"{name} not installed")
    return path


def cpu_has(*features: str) -> bool:
    """Whether /proc/cpuinfo lists every feature flag (e.g. "avx512f"; on AArch64 "asimddp")."""
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith(("flags", "Features")):
                flags.update(line.split(":", 1)[1].split())
    return all(feature in flags for feature in features)


# ---- ARM targets: native on an AArch64 machine, else cross-built and run under qemu ----------

AARCH64_CXX = "aarch64-linux-gnu-g++"  # scripts/setup.sh installs it, and qemu-user-static
QEMU_AARCH64 = "qemu-aarch64-static"


def _arm_cpus() -> dict[str, tuple[str, list[str]]]:
    """test/Targets/arm/qemu-cpus.txt: per ARM target, its qemu CPU model and its features."""
    cpus = {}
    for line in (REPO / "test" / "Targets" / "arm" / "qemu-cpus.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            target, cpu, *features = line.split()
            cpus[target] = (cpu, features)
    return cpus


ARM_TARGETS = tuple(_arm_cpus())


def _native_aarch64() -> bool:
    return platform.machine() in ("aarch64", "arm64")


def _aarch64_sysroot() -> str:
    """Where the cross compiler's C library lies (Debian: /usr/aarch64-linux-gnu), for qemu -L."""
    libc = subprocess.run([AARCH64_CXX, "-print-file-name=libc.so.6"], capture_output=True,
                          text=True, check=True).stdout.strip()
    return str(Path(libc).resolve().parent.parent)


def arm_emulator(target: str, cpu: str | None = None) -> list[str]:
    """qemu-aarch64 with the cross C library and `target`'s CPU model (or `cpu`)."""
    return [QEMU_AARCH64, "-L", _aarch64_sysroot(), "-cpu", cpu or _arm_cpus()[target][0]]


def build_for(target: str, out, cxx: str = "g++", build_dir=None,
              cxx_flags: str | None = None) -> Path:
    """driver.build of `target`'s output `out` for where it runs here: an ARM target on another
    host with the cross compiler (g++: aarch64-linux-gnu-g++; clang++: --target
    aarch64-linux-gnu) and qemu-aarch64 with the target's CPU model as its emulator."""
    args = []
    if target in ARM_TARGETS and not _native_aarch64():
        args = ["-DCMAKE_SYSTEM_NAME=Linux", "-DCMAKE_SYSTEM_PROCESSOR=aarch64",
                "-DCMAKE_CROSSCOMPILING_EMULATOR=" + ";".join(arm_emulator(target))]
        if cxx == "clang++":
            args.append("-DCMAKE_CXX_COMPILER_TARGET=aarch64-linux-gnu")
        else:
            cxx = AARCH64_CXX
    return driver.build(out, cxx=cxx, build_dir=build_dir, cxx_flags=cxx_flags, cmake_args=args)


def can_run(target: str) -> bool:
    """Whether this machine runs `target`'s output: x86-avx512 needs AVX-512 F/BW/VL and VNNI; an
    ARM target the features it checks, or elsewhere the cross compiler and qemu-aarch64."""
    if target == "x86-avx512":
        return cpu_has("avx512f", "avx512bw", "avx512vl", "avx512_vnni")
    if target in ARM_TARGETS:
        if _native_aarch64():
            return cpu_has(*_arm_cpus()[target][1])
        return shutil.which(AARCH64_CXX) is not None and shutil.which(QEMU_AARCH64) is not None
    return True


def skip_unless_runnable(target: str) -> None:
    if can_run(target):
        return
    if target in ARM_TARGETS and not _native_aarch64():
        pytest.skip(f"{target}'s output runs here only with {AARCH64_CXX} and {QEMU_AARCH64} "
                    "(scripts/setup.sh installs them)")
    pytest.skip(f"this CPU cannot run {target}'s output")


class ModelCache:
    """Test models and what is made from them, under one temp folder, each made once.

    A failure is remembered and raised again for every test that asks for the same thing, so a
    broken compiler costs one attempt, not one per test.
    """

    def __init__(self, root: Path):
        self.root = root
        self._done = {}

    def _once(self, key, make):
        if key not in self._done:
            try:
                self._done[key] = (True, make())
            except Exception as e:  # noqa: BLE001 - re-raised below, for every caller
                self._done[key] = (False, e)
        ok, value = self._done[key]
        if not ok:
            raise value
        return value

    def hf_model(self, name: str) -> Path:
        """The random HF folder of hf_models.TEST_SPECS[name]."""
        return self._once(("hf", name), lambda: Path(hf_models.write_random_llama(
            self.root / "models" / name, hf_models.TEST_SPECS[name])))


class Workspace(ModelCache):
    """The end-to-end suite's models, compiled folders and builds."""

    def stories_hf(self) -> Path:
        """stories260K converted to a HF folder by llmc.llama2c."""
        return self._once(("hf", "stories"), lambda: Path(llama2c.to_hf_folder(
            STORIES_BIN, self.root / "models" / "stories260K_hf")))

    def model_path(self, name: str) -> Path:
        """Input of `llmc compile` for a model name: TEST_SPECS, 'stories_bin' or 'stories_hf'."""
        if name == "stories_bin":
            return STORIES_BIN
        if name == "stories_hf":
            return self.stories_hf()
        return self.hf_model(name)

    def compiled(self, name: str, target: str = "generic", quant: str | None = None,
                 weights_mode: str = "mapped") -> Path:
        """out/ folder of `llmc compile --target TARGET [--quant QUANT] --weights-mode MODE` for
        a model name."""
        def make():
            folder = name if target == "generic" else f"{name}-{target}"
            folder += "" if quant is None else f"-{quant}"
            folder += "" if weights_mode == "mapped" else f"-{weights_mode}"
            out = self.root / "out" / folder
            out.parent.mkdir(exist_ok=True)
            extra = ["--tokenizer", str(STORIES_TOK)] if name == "stories_bin" else []
            if quant is not None:
                extra += ["--quant", quant]
            driver.compile(self.model_path(name), out, *extra, "--target", target,
                           "--weights-mode", weights_mode, check=True)
            return out
        return self._once(("out", name, target, quant, weights_mode), make)

    def built(self, name: str, cxx: str = "g++", flags: str | None = None,
              target: str = "generic", quant: str | None = None,
              weights_mode: str = "mapped") -> Path:
        """Build folder of the compiled `name` with compiler `cxx` and CMAKE_CXX_FLAGS `flags`,
        for where `target`'s output runs here (build_for)."""
        tag = re.sub(r"[^A-Za-z0-9]+", "_", f"{name}-{target}-{quant or 'default'}-{cxx}-"
                     f"{flags or 'default'}-{weights_mode}")
        return self._once(("build", name, cxx, flags, target, quant, weights_mode),
                          lambda: build_for(
                              target, self.compiled(name, target, quant, weights_mode), cxx=cxx,
                              build_dir=self.root / "builds" / tag, cxx_flags=flags))


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("e2e"))


def peak_rss_bytes(cmd: list[str]) -> int:
    """Runs cmd and returns its peak resident set: VmHWM of /proc/PID/status, read until it
    exits (it only grows). Not ru_maxrss: a child forked from this process, which holds the
    model generator's memory, keeps that high-water mark across exec."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            break  # exited between poll and read
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) * 1024)
        time.sleep(0.005)
    assert proc.wait() == 0, proc.stderr.read().decode()
    return peak


def random_prompt(vocab_size: int, n: int = 10, seed: int = 0) -> list[int]:
    """n random token ids, avoiding 0..2 (unk/bos/eos)."""
    return [int(t) for t in np.random.default_rng(seed).integers(3, vocab_size, n)]
