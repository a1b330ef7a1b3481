// alloc_counter.cpp - see alloc_counter.h.
#include "test/runtime/alloc_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
void count() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
}
}  // namespace

namespace llmrt_test {

bool can_count_allocations() { return LLMRT_TEST_WRAPS_MALLOC != 0; }

CountAllocations::CountAllocations() {
  allocations = 0;
  counting = true;
}

CountAllocations::~CountAllocations() { counting = false; }

long CountAllocations::count() const { return allocations.load(); }

}  // namespace llmrt_test

#if LLMRT_TEST_WRAPS_MALLOC
extern "C" {
void* __real_malloc(size_t);
void* __real_calloc(size_t, size_t);
void* __real_realloc(void*, size_t);
void* __real_aligned_alloc(size_t, size_t);
int __real_posix_memalign(void**, size_t, size_t);

void* __wrap_malloc(size_t n) {
  count();
  return __real_malloc(n);
}
void* __wrap_calloc(size_t a, size_t b) {
  count();
  return __real_calloc(a, b);
}
void* __wrap_realloc(void* p, size_t n) {
  count();
  return __real_realloc(p, n);
}
void* __wrap_aligned_alloc(size_t a, size_t n) {
  count();
  return __real_aligned_alloc(a, n);
}
int __wrap_posix_memalign(void** p, size_t a, size_t n) {
  count();
  return __real_posix_memalign(p, a, n);
}
}

// Every form the program may call is replaced, the nothrow ones (the runtime's) included: a
// library's own nothrow new need not go through the replaced operator new (AddressSanitizer's
// does not), and its blocks would then be counted by none and freed by the replaced delete.
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  count();
  return __real_malloc(n != 0 ? n : 1);
}
void* operator new(size_t n) {
  void* p = operator new(n, std::nothrow);
  if (p == nullptr) std::abort();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new[](size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif
