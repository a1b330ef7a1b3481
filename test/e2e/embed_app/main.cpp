// embed_app: opens a compiled model through its C API, then prefills a prompt and decodes
// greedily while counting every heap allocation (operator new and the C allocators, the
// latter through the linker's --wrap). Prints the generated ids and the count:
//   embed_app WEIGHTS STEPS THREADS TOKEN...
//   -> "tokens: 12 34 ...\nallocations in open: N\nallocations after open: 0\n"
// The count during llm_open (the arena, KV cache, blob: never 0) shows the counter works.
#include "model.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
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

void* __wrap_malloc(size_t n) { count(); return __real_malloc(n); }
void* __wrap_calloc(size_t a, size_t b) { count(); return __real_calloc(a, b); }
void* __wrap_realloc(void* p, size_t n) { count(); return __real_realloc(p, n); }
void __wrap_free(void* p) { __real_free(p); }
int __wrap_posix_memalign(void** p, size_t a, size_t n) { count(); return __real_posix_memalign(p, a, n); }
void* __wrap_aligned_alloc(size_t a, size_t n) { count(); return __real_aligned_alloc(a, n); }
}

void* operator new(size_t n) {
  count();
  void* p = __real_malloc(n ? n : 1);
  if (p == nullptr) std::abort();
  return p;
}
void operator delete(void* p) noexcept { __real_free(p); }
void operator delete(void* p, size_t) noexcept { __real_free(p); }

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: embed_app WEIGHTS STEPS THREADS TOKEN...\n");
    return 2;
  }
  llm_model* model = nullptr;
  char err[512];
  counting = true;
  llm_status opened = llm_open(argv[1], &model, err, sizeof err);
  counting = false;
  long open_allocations = allocations.exchange(0);
  if (opened != LLM_OK) {
    std::fprintf(stderr, "embed_app: %s\n", err);
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
  std::printf("\nallocations in open: %ld\nallocations after open: %ld\n", open_allocations,
              allocations.load());
  llm_close(model);
  return 0;
}
