// embed_app: opens a compiled model through its C API, then prefills a prompt and decodes
// greedily, then generates again with llm_generate and sampling (temperature 0.8, top-p 0.9,
// seed 42, top-k 40, min-p 0.05, repetition penalty 1.3 and presence penalty 0.2 over the last
// 16 tokens), while counting every heap allocation (operator new and the C allocators, the latter
// through the linker's --wrap) and every file the program's own code opens (open, fopen).
//   embed_app SOURCE STEPS THREADS TOKEN...
// SOURCE is
//   a weights.bin path  llm_open
//   memory              llm_open_memory on the weights compiled into the program (configured
//                       with -DLLM_WEIGHTS_SOURCE=a .cpp that defines llm_weights)
//   buffers             llm_open_with_options on those weights, with static arena and KV cache
//                       buffers and one thread; first it tries a short and a misaligned arena
// and prints, counting from the start of main (the counter checks itself first):
//   tokens: 12 34 ...               greedy
//   sampled: 56 78 ...              llm_generate
//   allocations in open: N          llm_open*, never 0 unless SOURCE is buffers
//   allocations in set_threads: N   llm_set_threads(THREADS)
//   allocations after open: 0       prefill, decode and llm_generate
//   files opened: N
// and for buffers "short arena: <status>: <message>" and "misaligned arena: ...".
#include "model.h"

#include <fcntl.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

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

// The nothrow forms too (the runtime's pool uses them): a C++ library's own nothrow new need not
// go through the replaced one, and its blocks would then be freed by the replaced delete.
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  count();
  return __real_malloc(n ? n : 1);
}
void* operator new(size_t n) {
  void* p = operator new(n, std::nothrow);
  if (p == nullptr) std::abort();
  return p;
}
void operator delete(void* p) noexcept { __real_free(p); }
void operator delete(void* p, size_t) noexcept { __real_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { __real_free(p); }

namespace {

const int kMaxTokens = 256;
int32_t prompt[kMaxTokens];     // (n_prompt)
int32_t generated[kMaxTokens];  // (steps) greedy
int32_t sampled[kMaxTokens];    // (n_sampled) from llm_generate
int n_sampled = 0;

int keep_sampled(int32_t token, void*) {
  sampled[n_sampled++] = token;
  return 0;
}

// The caller's memory for SOURCE buffers; the arena has room to be offset for the misaligned try.
alignas(64) unsigned char arena[LLM_MODEL_ARENA_BYTES + 64];
alignas(64) unsigned char kv_cache[LLM_MODEL_KV_CACHE_BYTES];

char short_arena[512];      // what the open with a too-small arena said
char misaligned_arena[512]; // and with a misaligned one

// Opens with `options` expecting a failure; writes "<status>: <message>" to `report`.
void try_bad_open(const llm_open_options* options, char* report, size_t report_len) {
  llm_model* model = nullptr;
  char err[400] = "";
  llm_status status = llm_open_with_options(options, &model, err, sizeof err);
  std::snprintf(report, report_len, "%s: %s%s", llm_status_string(status), err,
                model != nullptr ? " (but it opened)" : "");
  llm_close(model);
}

llm_status open_with_buffers(llm_model** model, char* err, size_t err_len) {
#if defined(LLM_EMBEDDED_WEIGHTS)
  // Garbage in the buffers: the model must not read what it did not write.
  std::memset(arena, 0xFF, sizeof arena);
  std::memset(kv_cache, 0xFF, sizeof kv_cache);
  llm_memory_sizes sizes;
  llm_memory_requirements(&sizes);
  llm_open_options options = {};
  options.weights = llm_weights;
  options.weights_bytes = llm_weights_size;
  options.kv_cache = kv_cache;
  options.kv_cache_bytes = sizes.kv_cache_bytes;
  options.n_threads = 1;
  options.arena = arena;
  options.arena_bytes = sizes.arena_bytes - 1;
  try_bad_open(&options, short_arena, sizeof short_arena);
  options.arena = arena + 8;
  options.arena_bytes = sizes.arena_bytes;
  try_bad_open(&options, misaligned_arena, sizeof misaligned_arena);
  options.arena = arena;
  return llm_open_with_options(&options, model, err, err_len);
#else
  (void)model;
  std::snprintf(err, err_len, "built without weights (configure with -DLLM_WEIGHTS_SOURCE)");
  return LLM_ERR_ARGUMENT;
#endif
}

llm_status open_model(const char* source, llm_model** model, char* err, size_t err_len) {
  if (std::strcmp(source, "buffers") == 0) return open_with_buffers(model, err, err_len);
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

// The counter counts: one malloc while counting is one allocation.
bool counter_works() {
  counting = true;
  void* volatile probe = std::malloc(16);
  std::free(probe);
  counting = false;
  return allocations.exchange(0) == 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc - 4 > kMaxTokens || std::atoi(argv[2]) > kMaxTokens) {
    std::fprintf(stderr, "usage: embed_app SOURCE STEPS THREADS TOKEN... (at most %d tokens)\n",
                 kMaxTokens);
    return 2;
  }
  if (!counter_works()) {
    std::fprintf(stderr, "embed_app: the allocation counter does not count\n");
    return 1;
  }
  counting = true;  // until the report: nothing from here on should touch the heap but open
  llm_model* model = nullptr;
  char err[512];
  llm_status opened = open_model(argv[1], &model, err, sizeof err);
  long open_allocations = allocations.exchange(0);
  if (opened != LLM_OK) {
    counting = false;
    std::fprintf(stderr, "embed_app: %s: %s\n", llm_status_string(opened), err);
    return 1;
  }
  const int steps = std::atoi(argv[2]);
  const int n_prompt = argc - 4;
  if (llm_set_threads(model, std::atoi(argv[3])) != LLM_OK) return 1;
  long thread_allocations = allocations.exchange(0);
  for (int i = 0; i < n_prompt; ++i) prompt[i] = std::atoi(argv[4 + i]);

  if (llm_prefill(model, prompt, n_prompt, nullptr) != LLM_OK) return 1;
  for (int step = 0; step < steps; ++step) {
    const float* logits = llm_logits(model);
    int32_t best = 0;
    for (int32_t id = 1; id < llm_vocab_size(model); ++id)
      if (logits[id] > logits[best]) best = id;
    generated[step] = best;
    if (step + 1 < steps && llm_decode(model, best, nullptr) != LLM_OK) return 1;
  }
  llm_reset(model);
  llm_sampler_params params = {0.8f, 0.9f, 42};  // temperature, top-p, seed; the rest off...
  params.top_k = 40;                              // ...until set: every step and its scratch
  params.min_p = 0.05f;
  params.repetition_penalty = 1.3f;
  params.presence_penalty = 0.2f;
  params.penalty_window = 16;
  if (llm_generate(model, prompt, n_prompt, steps, &params, -1, keep_sampled, nullptr, nullptr) !=
      LLM_OK) {
    return 1;
  }
  counting = false;

  std::printf("tokens:");
  for (int step = 0; step < steps; ++step) std::printf(" %d", generated[step]);
  std::printf("\nsampled:");
  for (int i = 0; i < n_sampled; ++i) std::printf(" %d", sampled[i]);
  std::printf("\nallocations in open: %ld\nallocations in set_threads: %ld\n"
              "allocations after open: %ld\nfiles opened: %ld\n",
              open_allocations, thread_allocations, allocations.load(), files_opened.load());
  if (short_arena[0] != '\0') std::printf("short arena: %s\n", short_arena);
  if (misaligned_arena[0] != '\0') std::printf("misaligned arena: %s\n", misaligned_arena);
  llm_close(model);
  return 0;
}
