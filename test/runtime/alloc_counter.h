// alloc_counter.h - counts the heap allocations made while a CountAllocations lives, on any
// thread: malloc, calloc, realloc, aligned_alloc and posix_memalign through the linker's --wrap
// (test/runtime/CMakeLists.txt, Linux), and the replaceable operator new.
#ifndef LLMC_TEST_RUNTIME_ALLOC_COUNTER_H
#define LLMC_TEST_RUNTIME_ALLOC_COUNTER_H

namespace llmrt_test {

/// Whether this build counts (the --wrap link options are GNU ld's, set on Linux).
bool can_count_allocations();

class CountAllocations {
 public:
  CountAllocations();   // counts from 0
  ~CountAllocations();  // stops counting
  long count() const;   // allocations so far
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
};

}  // namespace llmrt_test

#endif  // LLMC_TEST_RUNTIME_ALLOC_COUNTER_H
