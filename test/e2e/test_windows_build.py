"""The generated folder built for 64-bit Windows: stories260K cross-built with MinGW-w64's g++
(test/e2e/mingw-w64-x86_64.cmake) under -Wall -Wextra -Werror: the generic target in float, and
x86-avx2 at q4_0 with the weights mapped (CreateFileMapping), embedded (a byte array in
the program) and streamed (ReadFile at offsets, FILE_FLAG_NO_BUFFERING). Where wine64 is
installed, each llm-run.exe runs under it and must print the greedy ids of the Linux build of
the same folder, with logits within driver.check_close's tolerance; thread pinning
(SetThreadAffinityMask) must refuse a CPU the machine lacks. Without the cross compiler the
tests skip; without wine64 only the builds are checked.
"""

import os
import shutil
from pathlib import Path

import pytest

from conftest import STORIES_BIN, STORIES_TOK, WERROR
from llmc import driver

pytestmark = pytest.mark.llmc

MINGW_CXX = "x86_64-w64-mingw32-g++-posix"
TOOLCHAIN = Path(__file__).resolve().parent / "mingw-w64-x86_64.cmake"
PROMPT, STEPS = [1, 403], 32

# name: (target, quant, weights mode) of a folder of stories260K.
VARIANTS = {
    "generic": ("generic", None, "mapped"),
    "avx2-q4_0": ("x86-avx2", "q4_0", "mapped"),
    "avx2-q4_0-embedded": ("x86-avx2", "q4_0", "embedded"),
    "avx2-q4_0-streamed": ("x86-avx2", "q4_0", "streamed"),
}
# A budget for the streamed folder that leaves no layer resident: each is read per token.
STREAMED_BUDGET = "400K"


def wine() -> str | None:
    """wine64: on PATH, or where Debian's wine64 package puts it without the `wine` wrapper."""
    found = shutil.which("wine64")
    if found is None and os.access("/usr/lib/wine/wine64", os.X_OK):
        found = "/usr/lib/wine/wine64"
    return found


def wine_emulator() -> list[str]:
    """wine64 in a prefix of its own (made on the first run, some seconds), quiet."""
    prefix = os.environ.get("WINEPREFIX") or str(Path.home() / ".cache" / "llmc" / "wine")
    return ["env", f"WINEPREFIX={prefix}", "WINEDEBUG=-all", wine()]


@pytest.fixture(scope="module")
def folders(tmp_path_factory, workspace):
    """folders(name, kind): a variant's out/ folder ("out"), its Linux build with g++ ("linux"),
    its Windows build ("windows"), each made once. The mapped and embedded folders and their
    Linux builds are the workspace's, which other tests share."""
    if shutil.which(MINGW_CXX) is None:
        pytest.skip(f"{MINGW_CXX} is missing (Debian: g++-mingw-w64-x86-64-posix, which "
                    "scripts/setup.sh installs)")
    root = tmp_path_factory.mktemp("windows")
    made = {}

    def compiled(name):
        target, quant, mode = VARIANTS[name]
        if mode != "streamed":
            return workspace.compiled("stories_bin", target, quant, mode)
        out = root / name
        if not out.is_dir():
            driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                           "--quant", quant, "--weights-mode", mode, "--weights-budget",
                           STREAMED_BUDGET, check=True)
        return out

    def linux_build(name):
        target, quant, mode = VARIANTS[name]
        if mode != "streamed":
            return workspace.built("stories_bin", target=target, quant=quant, weights_mode=mode)
        return driver.build(compiled(name), build_dir=root / f"{name}-linux")

    def windows_build(name):
        emulator = wine_emulator() if wine() else []
        return driver.build(compiled(name), cxx=MINGW_CXX, build_dir=root / f"{name}-windows",
                            cxx_flags=WERROR,
                            cmake_args=["--toolchain", str(TOOLCHAIN),
                                        "-DCMAKE_CROSSCOMPILING_EMULATOR=" + ";".join(emulator)])

    def get(name, kind):
        if (name, kind) not in made:
            make = {"out": compiled, "linux": linux_build, "windows": windows_build}[kind]
            made[(name, kind)] = make(name)
        return made[(name, kind)]

    return get


@pytest.mark.parametrize("name", list(VARIANTS))
def test_windows_cross_build(folders, name):
    build_dir = folders(name, "windows")
    assert driver.executable(build_dir).name == "llm-run.exe"
    assert f"CMAKE_CXX_FLAGS:STRING={WERROR}\n" in (build_dir / "CMakeCache.txt").read_text()


def skip_without_wine():
    if wine() is None:
        pytest.skip("wine64 is missing (Debian: wine64, which scripts/setup.sh installs): the "
                    "Windows builds are checked, not run")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_windows_run_matches_linux(folders, name):
    skip_without_wine()
    out = folders(name, "out")
    # An embedded folder's program reads the weights inside it, unless --weights names a file.
    files = {"tokenizer": out / "tokenizer.bin",
             "weights": None if name.endswith("-embedded") else out / "weights.bin"}
    ids, logits = driver.run(folders(name, "windows"), PROMPT, STEPS, **files)
    expected_ids, expected_logits = driver.run(folders(name, "linux"), PROMPT, STEPS, **files)
    assert ids == expected_ids
    driver.check_close(logits, expected_logits)


def test_windows_pinning_refuses_a_missing_cpu(folders):
    skip_without_wine()
    missing = 63
    if (os.cpu_count() or 1) > missing:
        pytest.skip(f"this machine has a CPU {missing}")
    out = folders("avx2-q4_0", "out")
    build_dir = folders("avx2-q4_0", "windows")
    common = ("--weights", str(out / "weights.bin"), "--tokens", "1", "--steps", "2")
    proc = driver.run_raw(build_dir, *common, "--threads", "2", "--cpus", f"0,{missing}")
    assert proc.returncode == 1, proc.stderr
    assert (f"cannot pin thread 1 to CPU {missing}: Invalid argument") in proc.stderr
    proc = driver.run_raw(build_dir, *common, "--threads", "1", "--cpus", str(missing))
    assert proc.returncode == 1, proc.stderr
    assert f"llm-run: error: cannot pin thread 0 to CPU {missing}: Invalid argument" in proc.stderr
