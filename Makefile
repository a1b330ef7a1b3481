# llmc: the two commands the README names, and the steps they are made of.
#
#   make demo   install what is missing, build llmc, compile the bundled stories260K model,
#               build the generated C++ with the system compiler and generate text
#   make test   the same set-up, then every test (ctest: runtime + fuzzers, lit, pytest)
#   make fuzz   every fuzz target FUZZ_SECONDS seconds, one after the other (docs/testing.md)

BUILD   ?= build
VENV    ?= $(HOME)/.cache/llmc/venv
PYTHON  := $(VENV)/bin/python
JOBS    ?= 2
LIT     := /usr/lib/llvm-19/build/utils/lit/lit.py
DEMO_OUT ?= $(BUILD)/demo-out
FUZZ_SECONDS ?= 60

export LLMC_VENV := $(VENV)

.PHONY: all setup configure build demo test test-ctest test-lit test-python fuzz clean

all: build

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja \
	  -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
	  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=$$(command -v ccache || true) \
	  -DLLVM_EXTERNAL_LIT=$(LIT) \
	  -DPython3_EXECUTABLE=$(PYTHON)

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
	$(MAKE) --no-print-directory test-ctest test-lit test-python

test-ctest:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-lit:
	$(PYTHON) $(LIT) -sv $(BUILD)/test

# Every test_*.py under test/: e2e (compile + build + run vs transformers), quant (blocks vs
# gguf-py), gguf (GGUF import).
test-python:
	LLMC_REQUIRE_BUILD=1 LLMC_BIN=$(abspath $(BUILD))/bin/llmc \
	  LLMC_QUANT_TOOL=$(abspath $(BUILD))/bin/llmc-quant-tool PYTHONPATH=python \
	  $(PYTHON) -m pytest -q test

# New inputs go to $(BUILD)/fuzz-work; FUZZ_MERGE=1 merges those that add coverage into
# test/fuzz/corpus, FUZZ_TARGETS="blob encode" runs only those targets.
fuzz: build
	scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD)
