# llmc: the two commands the README names, and the steps they are made of.
#
#   make demo   install what is missing, build llmc, compile the bundled stories260K model,
#               build the generated C++ with the system compiler and generate text
#   make test   the same set-up, then every test (ctest: runtime + fuzzers, lit, pytest), and
#               again under the sanitizers (test-asan: ASan + UBSan, test-tsan: ThreadSanitizer)
#   make fuzz   every fuzz target FUZZ_SECONDS seconds, one after the other (docs/testing.md)
#   make bench-arm-mca   the ARM kernels' inner loops in llvm-mca cycles against llama.cpp's, and
#               the Raspberry Pi 5 decode roofline (docs/performance.md; a figure, not a test)

BUILD   ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
VENV    ?= $(HOME)/.cache/llmc/venv
PYTHON  := $(VENV)/bin/python
JOBS    ?= 2
LIT     := /usr/lib/llvm-19/build/utils/lit/lit.py
DEMO_OUT ?= $(BUILD)/demo-out
FUZZ_SECONDS ?= 60

export LLMC_VENV := $(VENV)

.PHONY: all setup configure build demo test test-ctest test-lit test-python test-asan test-tsan \
	fuzz bench-arm-mca clean

all: build

setup:
	@scripts/setup.sh

CONFIGURE = cmake -S . -G Ninja \
	  -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
	  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
	  -DCMAKE_C_COMPILER_LAUNCHER=$$(command -v ccache || true) \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=$$(command -v ccache || true) \
	  -DLLVM_EXTERNAL_LIT=$(LIT) \
	  -DPython3_EXECUTABLE=$(PYTHON)
# Sanitizer builds optimise less (-O1, as AddressSanitizer's documentation suggests), so they
# compile faster; NDEBUG as in the LLVM and MLIR libraries they link.
SANITIZER_CONFIGURE = $(CONFIGURE) -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_C_FLAGS_RELEASE='-O1 -DNDEBUG' -DCMAKE_CXX_FLAGS_RELEASE='-O1 -DNDEBUG'

$(BUILD)/build.ninja:
	$(CONFIGURE) -B $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(SANITIZER_CONFIGURE) -B $(ASAN_BUILD) -DLLMC_SANITIZE=address,undefined

$(TSAN_BUILD)/build.ninja:
	$(SANITIZER_CONFIGURE) -B $(TSAN_BUILD) -DLLMC_SANITIZE=thread

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/bin/llmc compile models/stories260K/stories260K.bin \
	  --tokenizer models/stories260K/tok512.bin --target generic -o $(DEMO_OUT)
	cmake -S $(DEMO_OUT) -B $(DEMO_OUT)/build -DCMAKE_BUILD_TYPE=Release > /dev/null
	cmake --build $(DEMO_OUT)/build -j $(JOBS) > /dev/null
	$(DEMO_OUT)/build/llm-run --steps 128 --temperature 0

test: build
	$(MAKE) --no-print-directory test-ctest test-lit test-python test-asan test-tsan

test-ctest:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-lit:
	$(PYTHON) $(LIT) -sv $(BUILD)/test

# pytest with the llmc and llmc-quant-tool of build folder $(1).
pytest_with = LLMC_REQUIRE_BUILD=1 LLMC_BIN=$(abspath $(1))/bin/llmc \
	  LLMC_QUANT_TOOL=$(abspath $(1))/bin/llmc-quant-tool PYTHONPATH=python \
	  $(PYTHON) -m pytest -q

# Every test_*.py under test/: e2e (compile + build + run vs transformers), quant (blocks vs
# gguf-py), gguf (GGUF import).
test-python:
	$(call pytest_with,$(BUILD)) test

# AddressSanitizer + UBSan: the compiler, runtime and tests built with them in $(ASAN_BUILD)
# (ctest without the fuzzers, which every build runs under ASan already), lit, and the pytest
# tests marked asan (the test models on every target, stories260K, bad input, damaged blobs)
# with that llmc and each out/ built with -fsanitize=address,undefined.
test-asan test-tsan: export UBSAN_OPTIONS = print_stacktrace=1
test-tsan: export TSAN_OPTIONS = halt_on_error=1

test-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	$(PYTHON) $(LIT) -sv $(ASAN_BUILD)/test
	LLMC_OUT_SANITIZE=address,undefined $(call pytest_with,$(ASAN_BUILD)) -m asan test

# ThreadSanitizer: the runtime's unit tests (the thread pool's among them) built with it in
# $(TSAN_BUILD), and the pytest tests marked tsan: multi-threaded prefill and decode of out/
# folders built with -fsanitize=thread (compiled by the uninstrumented llmc of $(BUILD)).
test-tsan: build $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target llmrt_unittests
	cd $(TSAN_BUILD) && ctest --output-on-failure -R '^llmrt_unittests$$'
	LLMC_OUT_SANITIZE=thread $(call pytest_with,$(BUILD)) -m tsan test

# New inputs go to $(BUILD)/fuzz-work; FUZZ_MERGE=1 merges those that add coverage into
# test/fuzz/corpus, FUZZ_TARGETS="blob encode" runs only those targets.
fuzz: build
	scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

bench-arm-mca: build
	PYTHONPATH=python $(PYTHON) -m llmc.bench arm-mca

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
