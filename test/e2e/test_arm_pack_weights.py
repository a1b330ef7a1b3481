"""The ARM targets' weight layouts end to end, under qemu-aarch64 as test_arm.py runs them:
stories260K compiled for arm-dotprod (#arm.rows4x4, sdot by lane) and arm-i8mm (#arm.rows2x8,
smmla), cross-built with clang++ -Wall -Wextra -Werror.

- q8_0, packed (the targets' default): against the generic target as test_arm.py holds q4_0
  (test_arm_quantized_matches_generic, which runs packed q4_0): logits within
  test_x86_quantized.py's bounds, the same greedy text;
- q4_0 with `--pack-weights=false` on arm-dotprod (the row kernels; test_arm.py runs it packed)
  against the generic target within the same bounds: the r4x4 kernels sum a block's products
  of a row in one int32 lane where the row kernels keep four, so packed and unpacked differ in
  the order of their float operations, as each differs from the generic kernel.
"""

import pytest

from conftest import ARM_TARGETS, STORIES_BIN, STORIES_TOK, WERROR, build_for, cxx_or_skip, \
    skip_unless_runnable
from llmc import driver
from test_arm import LAYOUT_SUFFIX, check_against_generic

pytestmark = pytest.mark.llmc

PACKED_TARGETS = [t for t in ARM_TARGETS if t in LAYOUT_SUFFIX]


def calls_layout_kernels(out, target, scheme):
    """Whether out/model.cpp calls `target`'s kernels on its layout for `scheme` weights."""
    kernel = f"llmk_{target.removeprefix('arm-')}_linear_{scheme}{LAYOUT_SUFFIX[target]}_rows("
    return kernel in (out / "model.cpp").read_text()


def packed_build(workspace, target, scheme):
    """(out, build folder) of stories260K at `scheme` for `target`, packed (its default)."""
    skip_unless_runnable(target)
    cxx_or_skip("clang++")
    out = workspace.compiled("stories_bin", target, scheme)
    assert calls_layout_kernels(out, target, scheme)
    return out, workspace.built("stories_bin", "clang++", WERROR, target=target, quant=scheme)


@pytest.mark.parametrize("target", PACKED_TARGETS)
def test_packed_q8_0_matches_generic(workspace, target):
    out, build_dir = packed_build(workspace, target, "q8_0")
    check_against_generic(workspace, "q8_0", out, build_dir)


def test_unpacked_q4_0_matches_generic(workspace, tmp_path):
    target = "arm-dotprod"
    skip_unless_runnable(target)
    cxx_or_skip("clang++")
    rows = tmp_path / "out"
    driver.compile(STORIES_BIN, rows, "--tokenizer", str(STORIES_TOK), "--target", target,
                   "--quant", "q4_0", "--pack-weights=false", check=True)
    assert not calls_layout_kernels(rows, target, "q4_0")
    rows_dir = build_for(target, rows, cxx="clang++", build_dir=tmp_path / "build",
                         cxx_flags=WERROR)
    check_against_generic(workspace, "q4_0", rows, rows_dir)
