#!/usr/bin/env bash
# Installs what llmc needs to build and test, and nothing that is already there.
# Used by `make demo` and `make test`; safe to run again. Debian 12 (bookworm).
#
#   Debian packages: MLIR/LLVM/clang 19, cmake, ninja, ccache, protobuf, GoogleTest, g++, SIMDe,
#   qemu-user-static (runs x86-avx512 output as a CPU without AVX-512, for the CPU check test,
#   and the ARM targets' kernel tests and output as Cortex-A53, Cortex-A76 or a CPU with every
#   feature), the aarch64 cross compiler and C library (g++-aarch64-linux-gnu,
#   libc6-dev-arm64-cross) that builds them, for aarch64-linux-gnu-g++ and clang++ --target,
#   MinGW-w64's g++ (g++-mingw-w64-x86-64-posix) and wine64, which cross-build the output for
#   Windows and run it (test/e2e/test_windows_build.py; wine64 without its recommended
#   packages: fonts, sound, graphics, which a console program does not need).
#   Python: a virtual environment (default ~/.cache/llmc/venv, override with LLMC_VENV) that
#   sees the system's site-packages, with numpy, torch, transformers, safetensors, gguf,
#   sentencepiece, pytest, and for the tokenizer tests tokenizers, tiktoken, protobuf (transformers
#   converts SentencePiece models with it), unicodedata2 16.0.0 (scripts/gen_unicode_classes.py),
#   jinja2 (transformers' apply_chat_template renders the chat tests' reference prompts with it)
#   and llama-models without its dependencies (it ships Llama 3's tiktoken tokenizer.model). lit
#   comes with Debian's llvm-19-tools.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }

APT_PACKAGES=(
  cmake ninja-build ccache g++ make git python3 python3-venv python3-pip
  libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools clang-19 libclang-rt-19-dev
  protobuf-compiler libprotobuf-dev libgtest-dev libsimde-dev qemu-user-static
  g++-aarch64-linux-gnu libc6-dev-arm64-cross g++-mingw-w64-x86-64-posix
)
# Installed without the packages they recommend.
APT_PACKAGES_NO_RECOMMENDS=(wine64)
PIP_PACKAGES=(numpy torch transformers safetensors gguf sentencepiece pytest tokenizers tiktoken
              protobuf unicodedata2==16.0.0 jinja2)
# What each package must make importable (a statement for python -c).
PIP_MODULES=(numpy torch transformers safetensors gguf sentencepiece pytest tokenizers tiktoken
             google.protobuf
             "unicodedata2; assert unicodedata2.unidata_version == '16.0.0'" jinja2)

# The packages of a list that are not installed.
not_installed() {
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}
mapfile -t missing < <(not_installed "${APT_PACKAGES[@]}")
mapfile -t missing_bare < <(not_installed "${APT_PACKAGES_NO_RECOMMENDS[@]}")
if ((${#missing[@]} + ${#missing_bare[@]})); then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing Debian packages: ${missing[*]} ${missing_bare[*]}"
  $SUDO apt-get update -qq
  if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ((${#missing_bare[@]})); then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "${missing_bare[@]}" >/dev/null
  fi
else
  say "Debian packages: all present"
fi

VENV="${LLMC_VENV:-$HOME/.cache/llmc/venv}"
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the Python environment $VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv --system-site-packages "$VENV"
fi
missing=()
for i in "${!PIP_MODULES[@]}"; do
  "$VENV/bin/python" -c "import ${PIP_MODULES[$i]}" 2>/dev/null || missing+=("${PIP_PACKAGES[$i]}")
done
if ((${#missing[@]})); then
  say "installing Python packages: ${missing[*]} (torch is large: this takes minutes once)"
  "$VENV/bin/python" -m pip install -q "${missing[@]}"
else
  say "Python packages: all present"
fi
# llama-models only for the file it ships: its own dependencies (pydantic, jinja2, ...) are not
# needed to read the tokenizer.
if ! "$VENV/bin/python" -c "import llama_models.llama3.tokenizer" 2>/dev/null; then
  say "installing llama-models (without its dependencies)"
  "$VENV/bin/python" -m pip install -q --no-deps llama-models
fi
