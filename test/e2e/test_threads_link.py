"""Only threaded targets need a thread library.

The generic target's code runs on the calling thread: its out/ has no runtime/threads.cpp and its
CMakeLists neither finds nor links Threads, so it builds where there is no thread library. The
x86 targets run their kernels on the runtime's pool and link Threads::Threads.
"""

import pytest

from llmc import driver
from llmc.testing import STORIES_BIN, STORIES_TOK, skip_unless_runnable


@pytest.mark.parametrize("target,threaded", [("generic", False), ("x86-avx2", True)])
def test_thread_library_only_where_threaded(tmp_path, target, threaded):
    out = tmp_path / "out"
    driver.compile(STORIES_BIN, out, "--tokenizer", str(STORIES_TOK), "--target", target,
                   check=True)
    cmake = (out / "CMakeLists.txt").read_text()
    assert ("find_package(Threads REQUIRED)" in cmake) == threaded
    assert ("Threads::Threads" in cmake) == threaded
    assert (out / "runtime" / "threads.cpp").is_file() == threaded
    assert ("runtime/threads.cpp" in cmake) == threaded
    assert "std::thread" not in (out / "model.cpp").read_text()

    build = driver.build(out, build_dir=tmp_path / "build")
    # find_package(Threads) leaves its probe in the cache: the generic configure never ran it.
    assert ("CMAKE_HAVE_LIBC_PTHREAD" in (build / "CMakeCache.txt").read_text()) == threaded
    if threaded:
        skip_unless_runnable(target)
    ids, _ = driver.run(build, [1, 403, 407], 4, out=out, extra=["--threads", "2"])
    assert len(ids) == 4
