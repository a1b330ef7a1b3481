"""Compiling the same model twice gives byte-identical folders (every file, every byte), and the
per-target comparison users make: one model compiled for generic, x86-avx2 and each ARM target,
where the ARM targets' folders differ only in what names their instruction set."""

import re

import pytest

from conftest import ARM_TARGETS, STORIES_BIN, STORIES_TOK
from llmc import driver

pytestmark = pytest.mark.llmc

EXPECTED = {"CMakeLists.txt", "model.h", "model.cpp", "kernels_generic.cpp", "kernels_generic.h",
            "weights.bin", "manifest.json"}
COMPARED_TARGETS = ("generic", "x86-avx2", *ARM_TARGETS)
# What may differ between two ARM targets' folders of one model besides their own kernel files:
# the sources and build file that name the target and its kernels, and the weights, whose layout
# is the target's to choose.
TARGET_FILES = {"model.cpp", "model.h", "CMakeLists.txt", "manifest.json", "weights.bin"}


def compile_twice(model, folder, *options):
    """`llmc compile` into folder/first/out and folder/second/out: the two trees' digests."""
    digests = []
    for run in ("first", "second"):
        (folder / run).mkdir(parents=True)
        out = folder / run / "out"
        driver.compile(model, out, *options, check=True)
        digests.append(driver.tree_digest(out))
    return digests


def assert_same(first, second):
    differ = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
    assert not differ, f"files that differ between two compiles: {differ}"


@pytest.mark.parametrize("name", ["stories_bin", "sharded"])
def test_compile_twice_identical(workspace, tmp_path, name):
    model = workspace.model_path(name)
    extra = ["--tokenizer", str(STORIES_TOK)] if name == "stories_bin" else []
    first, second = compile_twice(model, tmp_path, *extra)
    assert EXPECTED <= set(first), f"missing from out/: {sorted(EXPECTED - set(first))}"
    assert "runtime/" in first
    if name == "stories_bin":
        assert "tokenizer.bin" in first
    assert_same(first, second)


@pytest.fixture(scope="module")
def per_target(tmp_path_factory):
    """stories260K at q4_0 (its small matrices q8_0) compiled twice for every compared target:
    {target: (out/ folder, first digests, second digests)}."""
    root = tmp_path_factory.mktemp("per-target")
    folders = {}
    for target in COMPARED_TARGETS:
        first, second = compile_twice(STORIES_BIN, root / target, "--tokenizer", str(STORIES_TOK),
                                      "--target", target, "--quant", "q4_0")
        folders[target] = (root / target / "first" / "out", first, second)
    return folders


@pytest.mark.parametrize("target", COMPARED_TARGETS)
def test_target_compiles_twice_identical(per_target, target):
    _, first, second = per_target[target]
    assert EXPECTED <= set(first), f"missing from out/: {sorted(EXPECTED - set(first))}"
    assert_same(first, second)


def isa_of(target):
    return target.removeprefix("arm-")


@pytest.mark.parametrize("target", ARM_TARGETS)
def test_arm_folders_differ_only_in_their_isa(per_target, target):
    out, mine, _ = per_target[target]
    isa = isa_of(target)
    others = [isa_of(t) for t in ARM_TARGETS if t != target]
    own = {f"kernels_arm_{isa}.{ext}" for ext in ("cpp", "h", "def")}
    assert own <= set(mine), f"{target}: missing {sorted(own - set(mine))}"
    named = re.compile(r"kernels_arm_(%s)\." % "|".join(map(re.escape, others)))
    assert not [f for f in mine if named.match(f)], f"{target} has another ISA's kernel files"
    # The files it shares with another ARM target and that do not name an ISA (the runtime, the
    # generic twins, kernels_arm_rows.h and the other shared kernel headers, tokenizer.bin) are
    # the same bytes.
    for other in ARM_TARGETS:
        if other == target:
            continue
        theirs = per_target[other][1]
        shared = set(mine) & set(theirs) - TARGET_FILES
        differ = sorted(f for f in shared if mine[f] != theirs[f])
        assert not differ, f"{target} and {other} differ in shared files: {differ}"
    # model.cpp calls its own ISA's kernels (or the generic ones), never another target's, and
    # CMakeLists.txt builds its kernel file with its own -march.
    source = (out / "model.cpp").read_text()
    assert f"llmk_{isa}_linear_q4_0" in source
    called = set(re.findall(r"\bllmk_([a-z0-9]+)_", source))
    assert called <= {isa, "generic"}, f"{target}'s model.cpp calls {sorted(called)} kernels"
    cmake = (out / "CMakeLists.txt").read_text()
    flags = re.findall(r"set_source_files_properties\((kernels_\w+\.cpp) PROPERTIES\s+"
                       r'COMPILE_OPTIONS "-march=([^"]+)"', cmake)
    assert [name for name, _ in flags] == [f"kernels_arm_{isa}.cpp"], flags
    features = set(flags[0][1].split("+")[1:])
    assert features == {"neon": set(), "dotprod": {"dotprod"},
                        "i8mm": {"dotprod", "i8mm"}}[isa], flags
