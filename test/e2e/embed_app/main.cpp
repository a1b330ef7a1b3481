// embed_app: opens a compiled model through its C API, then prefills a prompt and decodes
// greedily while counting every heap allocation (operator new and the C allocators, the
// latter through the linker's --wrap) and every file the program's own code opens (open, fopen).
//   embed_app SOURCE STEPS THREADS TOKEN...
// SOURCE is a weights.bin path (llm_open), or `memory`: llm_open_memory on the weights compiled
// into the program (configured with -DLLM_WEIGHTS_SOURCE=a .cpp defining llm_weights).
//   -> "tokens: 12 34 ...\nallocations in open: N\nallocations after open: 0\nfiles opened: N\n"
// The count during llm_open (the arena, KV cache: never 0) shows the counter works.
#include "model.h"

#include <fcntl.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#if defined(LLM_EMBEDDED_WEIGHTS)
// weights.bin as bytes, 64-byte aligned (the .cpp LLM_WEIGHTS_SOURCE names).
extern "C" const unsigned char llm_weights[];
extern "C" const size_t llm_weights_size;
#endif

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
std::atomic<long> files_opened{0};  // counted for the whole run
void count() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
}
}  // namespace

extern "C" {
void* __real_malloc(size_t);
void* __real_calloc(size_t, size_t);
void* __real_realloc(void*, size_t);
void __real_free(void*);
int __real_posix_memalign(void**, size_t, size_t);
void* __real_aligned_alloc(size_t, size_t);
int __real_open(const char*, int, ...);
int __real_open64(const char*, int, ...);
FILE* __real_fopen(const char*, const char*);
FILE* __real_fopen64(const char*, const char*);

void* __wrap_malloc(size_t n) { count(); return __real_malloc(n); }
void* __wrap_calloc(size_t a, size_t b) { count(); return __real_calloc(a, b); }
void* __wrap_realloc(void* p, size_t n) { count(); return __real_realloc(p, n); }
void __wrap_free(void* p) { __real_free(p); }
int __wrap_posix_memalign(void** p, size_t a, size_t n) { count(); return __real_posix_memalign(p, a, n); }
void* __wrap_aligned_alloc(size_t a, size_t n) { count(); return __real_aligned_alloc(a, n); }

// open's third argument, the mode, is only passed when a file may be created.
#define LLM_WRAP_OPEN(name)                                 \
  int __wrap_##name(const char* path, int flags, ...) {     \
    files_opened.fetch_add(1);                              \
    int mode = 0;                                           \
    if ((flags & O_CREAT) != 0) {                           \
      va_list args;                                         \
      va_start(args, flags);                                \
      mode = va_arg(args, int);                             \
      va_end(args);                                         \
    }                                                       \
    return __real_##name(path, flags, mode);                \
  }
LLM_WRAP_OPEN(open)
LLM_WRAP_OPEN(open64)
FILE* __wrap_fopen(const char* path, const char* mode) {
  files_opened.fetch_add(1);
  return __real_fopen(path, mode);
}
FILE* __wrap_fopen64(const char* path, const char* mode) {
  files_opened.fetch_add(1);
  return __real_fopen64(path, mode);
}
}

void* operator new(size_t n) {
  count();
  void* p = __real_malloc(n ? n : 1);
  if (p == nullptr) std::abort();
  return p;
}
void operator delete(void* p) noexcept { __real_free(p); }
void operator delete(void* p, size_t) noexcept { __real_free(p); }

namespace {

llm_status open_model(const char* source, llm_model** model, char* err, size_t err_len) {
  if (std::strcmp(source, "memory") == 0) {
#if defined(LLM_EMBEDDED_WEIGHTS)
    return llm_open_memory(llm_weights, llm_weights_size, model, err, err_len);
#else
    std::snprintf(err, err_len, "built without weights (configure with -DLLM_WEIGHTS_SOURCE)");
    return LLM_ERR_ARGUMENT;
#endif
  }
  return llm_open(source, model, err, err_len);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: embed_app SOURCE STEPS THREADS TOKEN...\n");
    return 2;
  }
  llm_model* model = nullptr;
  char err[512];
  counting = true;
  llm_status opened = open_model(argv[1], &model, err, sizeof err);
  counting = false;
  long open_allocations = allocations.exchange(0);
  if (opened != LLM_OK) {
    std::fprintf(stderr, "embed_app: %s: %s\n", llm_status_string(opened), err);
    return 1;
  }
  int steps = std::atoi(argv[2]);
  if (llm_set_threads(model, std::atoi(argv[3])) != LLM_OK) return 1;
  std::vector<int32_t> prompt;
  for (int i = 4; i < argc; ++i) prompt.push_back(std::atoi(argv[i]));
  std::vector<int32_t> generated(static_cast<size_t>(steps));

  counting = true;  // from here on, nothing may touch the heap
  if (llm_prefill(model, prompt.data(), static_cast<int>(prompt.size()), nullptr) != LLM_OK)
    return 1;
  for (int step = 0; step < steps; ++step) {
    const float* logits = llm_logits(model);
    int32_t best = 0;
    for (int32_t id = 1; id < llm_vocab_size(model); ++id)
      if (logits[id] > logits[best]) best = id;
    generated[static_cast<size_t>(step)] = best;
    if (step + 1 < steps && llm_decode(model, best, nullptr) != LLM_OK) return 1;
  }
  counting = false;

  std::printf("tokens:");
  for (int32_t id : generated) std::printf(" %d", id);
  std::printf("\nallocations in open: %ld\nallocations after open: %ld\nfiles opened: %ld\n",
              open_allocations, allocations.load(), files_opened.load());
  llm_close(model);
  return 0;
}
