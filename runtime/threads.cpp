// threads.cpp - the persistent thread pool the generated code splits its kernels over.
//
// Decode runs a few hundred small parallel loops per token (one per linear), each tens of
// microseconds long, so waking threads must be cheap: workers spin on a generation counter for a
// short while before sleeping on a condition variable. Tasks are handed out by an atomic counter,
// so a loop split into more parts than threads balances itself. The calling thread works too.
// A wait first spins on the CPU's pause hint (a few tens of nanoseconds each, no system call),
// then yields the core to other threads, then (workers) sleeps.
#include "runtime/llmrt.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#include <immintrin.h>  // _mm_pause (SSE2, every x86-64)
#endif

LLMRT_NAMESPACE_BEGIN

struct llmrt_pool {
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake;
  std::atomic<uint64_t> generation{0};  // bumped once per parallel loop
  std::atomic<int> next_task{0};
  std::atomic<int> workers_busy{0};
  std::atomic<bool> stopping{false};
  // The loop being run: written before the generation bump that publishes it.
  int task_count = 0;
  void (*body)(void* context, int task) = nullptr;
  void* context = nullptr;
};

namespace {

// Pause-spins this many times (some tens of microseconds) before yielding: the gap between two
// linears of a decode step is a few microseconds, and a yield is a system call, so waking on it
// takes longer (docs/targets.md).
constexpr int kPauseIterations = 1024;
// Then spins with yields this many times before sleeping.
constexpr int kSpinIterations = 20000;

/// Tells the core that this thread is spinning (x86 pause, Arm yield): cheaper for the other
/// hardware thread and for power than an empty loop.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
  _mm_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/// One step of a wait: pause-spin first, then yield the core.
inline void wait_step(int step) {
  if (step < kPauseIterations) {
    cpu_relax();
  } else {
    std::this_thread::yield();
  }
}

void run_tasks(llmrt_pool* pool) {
  for (;;) {
    int task = pool->next_task.fetch_add(1, std::memory_order_relaxed);
    if (task >= pool->task_count) return;
    pool->body(pool->context, task);
  }
}

void worker_main(llmrt_pool* pool) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t current = pool->generation.load(std::memory_order_acquire);
    for (int spin = 0; current == seen && spin < kPauseIterations + kSpinIterations; ++spin) {
      wait_step(spin);
      current = pool->generation.load(std::memory_order_acquire);
    }
    if (current == seen) {
      std::unique_lock<std::mutex> lock(pool->mutex);
      pool->wake.wait(lock, [&] {
        return pool->generation.load(std::memory_order_acquire) != seen ||
               pool->stopping.load(std::memory_order_acquire);
      });
      current = pool->generation.load(std::memory_order_acquire);
    }
    if (pool->stopping.load(std::memory_order_acquire)) return;
    seen = current;
    run_tasks(pool);
    pool->workers_busy.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace

llm_status llmrt_pool_create(int n_threads, llmrt_pool** out_pool) {
  *out_pool = nullptr;
  if (n_threads < 1) return LLM_ERR_ARGUMENT;
  if (n_threads == 1) return LLM_OK;  // NULL: llmrt_pool_run runs on the calling thread
  llmrt_pool* pool = new (std::nothrow) llmrt_pool();
  if (pool == nullptr) return LLM_ERR_NO_MEMORY;
  pool->workers.reserve(static_cast<size_t>(n_threads - 1));
  for (int i = 1; i < n_threads; ++i) pool->workers.emplace_back(worker_main, pool);
  *out_pool = pool;
  return LLM_OK;
}

void llmrt_pool_free(llmrt_pool* pool) {
  if (pool == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(pool->mutex);
    pool->stopping.store(true, std::memory_order_release);
  }
  pool->wake.notify_all();
  for (std::thread& worker : pool->workers) worker.join();
  delete pool;
}

int llmrt_pool_threads(const llmrt_pool* pool) {
  return pool == nullptr ? 1 : static_cast<int>(pool->workers.size()) + 1;
}

void llmrt_pool_run(llmrt_pool* pool, int task_count, void (*body)(void* context, int task),
                    void* context) {
  if (pool == nullptr || pool->workers.empty() || task_count <= 1) {
    for (int task = 0; task < task_count; ++task) body(context, task);
    return;
  }
  pool->task_count = task_count;
  pool->body = body;
  pool->context = context;
  pool->next_task.store(0, std::memory_order_relaxed);
  pool->workers_busy.store(static_cast<int>(pool->workers.size()), std::memory_order_relaxed);
  {
    // The lock orders the bump against a worker that is about to sleep.
    std::lock_guard<std::mutex> lock(pool->mutex);
    pool->generation.fetch_add(1, std::memory_order_acq_rel);
  }
  pool->wake.notify_all();
  run_tasks(pool);
  for (int spin = 0; pool->workers_busy.load(std::memory_order_acquire) != 0; ++spin) {
    wait_step(spin);
  }
}

LLMRT_NAMESPACE_END
