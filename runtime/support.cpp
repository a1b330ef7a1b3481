// support.cpp - status names, error messages and aligned memory for the runtime.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>  // hardware_concurrency only: no thread is started, no thread library

#include "runtime/llmrt.h"

const char* llm_status_string(llm_status status) {
  // A C caller may pass any value of the enum's integer type (llm.h promises a name for those
  // outside the enum), but C++ gives an enum without a fixed type only its enumerators' range:
  // the argument is read as the integer it is, not loaded as an out-of-range llm_status.
  static_assert(sizeof(llm_status) == sizeof(unsigned), "llm_status is an int-sized enum");
  unsigned value;
  std::memcpy(&value, &status, sizeof value);
  switch (value) {
    case LLM_OK: return "ok";
    case LLM_ERR_IO: return "I/O error";
    case LLM_ERR_FORMAT: return "bad file format";
    case LLM_ERR_ARGUMENT: return "bad argument";
    case LLM_ERR_NO_MEMORY: return "out of memory";
    case LLM_ERR_CONTEXT_FULL: return "context full";
    case LLM_ERR_UNSUPPORTED: return "unsupported CPU";
    case LLM_ERR_NO_TOKENIZER: return "no tokenizer";
    case LLM_ERR_NO_CHAT_TEMPLATE: return "no chat template";
  }
  return "unknown status";
}

const char* llm_weights_mode_name(llm_weights_mode mode) {
  // As llm_status_string: a C caller may pass any int.
  static_assert(sizeof(llm_weights_mode) == sizeof(unsigned), "an int-sized enum");
  unsigned value;
  std::memcpy(&value, &mode, sizeof value);
  switch (value) {
    case LLM_WEIGHTS_MAPPED: return "mapped";
    case LLM_WEIGHTS_EMBEDDED: return "embedded";
    case LLM_WEIGHTS_STREAMED: return "streamed";
  }
  return "unknown";
}

LLMRT_NAMESPACE_BEGIN

void llmrt_format_error(char* err, size_t err_len, const char* fmt, ...) {
  if (err == nullptr || err_len == 0) return;
  va_list args;
  va_start(args, fmt);
  int written = std::vsnprintf(err, err_len, fmt, args);
  va_end(args);
  if (written < 0) err[0] = '\0';
  err[err_len - 1] = '\0';
}

// Layout of one allocation: [padding][void* original][user bytes...], user bytes 64-byte aligned.
// calloc keeps large allocations lazily zeroed by the operating system.
void* llmrt_alloc(size_t bytes) {
  const size_t align = LLMRT_BLOB_ALIGN;
  if (bytes > SIZE_MAX - align - sizeof(void*)) return nullptr;
  void* raw = std::calloc(1, bytes + align + sizeof(void*));
  if (raw == nullptr) return nullptr;
  uintptr_t start = reinterpret_cast<uintptr_t>(raw) + sizeof(void*);
  uintptr_t aligned = (start + align - 1) & ~static_cast<uintptr_t>(align - 1);
  void** slot = reinterpret_cast<void**>(aligned) - 1;
  *slot = raw;
  return reinterpret_cast<void*>(aligned);
}

void llmrt_free(void* ptr) {
  if (ptr == nullptr) return;
  void** slot = static_cast<void**>(ptr) - 1;
  std::free(*slot);
}

int llmrt_default_threads(void) {
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

LLMRT_NAMESPACE_END
