"""driver.run_checked recognises each sanitizer's report, so that the tests that expect llmc or
llm-run to fail (bad input, damaged blobs) fail instead when the failure was a sanitizer's
(`make test-asan` runs them with sanitizer builds). Small programs with one bug each, built
with g++ as the tests build out/."""

import pytest

from conftest import cxx_or_skip
from llmc import driver

PROGRAMS = {
    "address": "int main(int argc, char**) { int* a = new int[4]; int v = a[argc + 3]; "
               "delete[] a; return v; }",
    "leak": "#include <cstdlib>\nvoid* volatile keep;\n"
            "int main() { keep = std::malloc(64); keep = nullptr; return 0; }",
    "undefined": "#include <climits>\nvolatile int big = INT_MAX;\n"
                 "int main(int argc, char**) { int x = big + argc; return x == 0; }",
    "thread": "#include <thread>\nint shared;\nint main() { std::thread t([] { shared = 1; }); "
              "shared = 2; t.join(); return 0; }",
}
FLAGS = {"address": "address", "leak": "address", "undefined": "undefined", "thread": "thread"}


def build(tmp_path, name: str, source: str) -> str:
    cxx = cxx_or_skip("g++")
    (tmp_path / f"{name}.cpp").write_text(source + "\n")
    exe = tmp_path / name
    driver.run_checked([cxx, "-g", f"-fsanitize={FLAGS[name]}", "-fno-sanitize-recover=all",
                        str(tmp_path / f"{name}.cpp"), "-o", str(exe), "-pthread"], timeout=120)
    assert exe.is_file(), f"g++ did not build {name}"
    return str(exe)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_report_is_an_error(tmp_path, name):
    exe = build(tmp_path, name, PROGRAMS[name])
    with pytest.raises(driver.SanitizerError):
        driver.run_checked([exe], timeout=60)


def test_clean_program_passes(tmp_path):
    exe = build(tmp_path, "address", "int main() { return 3; }")
    assert driver.run_checked([exe], timeout=60).returncode == 3
