// threads.cpp - the persistent thread pool the generated code splits its kernels over.
//
// Decode runs a few hundred small parallel loops per token (one per linear), each tens of
// microseconds long, so waking threads must be cheap: workers spin on a generation counter for a
// short while before sleeping on a condition variable. Tasks are handed out by an atomic counter,
// so a loop split into more parts than threads balances itself. The calling thread works too.
// A wait first spins on the CPU's pause hint (a few tens of nanoseconds each, no system call),
// then yields the core to other threads, then (workers) sleeps.
// A static loop (llmrt_pool_run_static) instead runs task i on thread i % threads, for a split
// planned per core (big.LITTLE); its workers may be pinned to CPUs (llmrt_pinning).
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
#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#include <cerrno>
#include <cstring>
#elif defined(_WIN32)
#include "runtime/windows_api.h"
#include <cerrno>
#include <cstring>
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
  bool static_tasks = false;  // task i on thread i % threads, not handed out
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

/// Thread `thread`'s tasks of a static loop: thread, thread + threads, ...
void run_static_tasks(llmrt_pool* pool, int thread) {
  int threads = static_cast<int>(pool->workers.size()) + 1;
  for (int task = thread; task < pool->task_count; task += threads) pool->body(pool->context, task);
}

void worker_main(llmrt_pool* pool, int thread) {
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
    if (pool->static_tasks) {
      run_static_tasks(pool, thread);
    } else {
      run_tasks(pool);
    }
    pool->workers_busy.fetch_sub(1, std::memory_order_acq_rel);
  }
}

#if defined(_WIN32)
/// The Win32 handle of a std::thread: MSVC's native handle is one; MinGW's std::thread is
/// winpthreads', whose pthread_t leads to one.
HANDLE win32_handle(std::thread& thread) {
#if defined(__WINPTHREADS_VERSION)
  return static_cast<HANDLE>(pthread_gethandle(thread.native_handle()));
#else
  return static_cast<HANDLE>(thread.native_handle());
#endif
}
#endif

/// Pins `worker` to `cpu`: 0, or the error number of the failure. Linux and Windows (the CPUs
/// of the process's processor group, 0-63); elsewhere 0.
int pin_to_cpu(std::thread& worker, int cpu) {
#if defined(_WIN32)
  if (cpu < 0 || cpu >= int(sizeof(DWORD_PTR) * 8)) return EINVAL;
  return SetThreadAffinityMask(win32_handle(worker), DWORD_PTR(1) << cpu) != 0 ? 0 : EINVAL;
#elif defined(__linux__)
  if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
#if defined(__ANDROID__)  // bionic has no pthread_setaffinity_np
  return sched_setaffinity(pthread_gettid_np(worker.native_handle()), sizeof set, &set) == 0
             ? 0
             : errno;
#else
  return pthread_setaffinity_np(worker.native_handle(), sizeof set, &set);
#endif
#else
  (void)worker;
  (void)cpu;
  return 0;
#endif
}

/// Pins each worker as `pinning` says; fails only for a required CPU.
llm_status pin_workers(llmrt_pool* pool, const llmrt_pinning& pinning, char* err,
                       size_t err_len) {
  for (size_t i = 0; i < pool->workers.size(); ++i) {
    int thread = static_cast<int>(i) + 1;
    if (thread >= pinning.count) break;
    int cpu = pinning.cpus != nullptr ? pinning.cpus[thread] : thread;
    int error = pin_to_cpu(pool->workers[i], cpu);
    if (error != 0 && pinning.required) {
#if defined(__linux__) || defined(_WIN32)
      const char* why = std::strerror(error);
#else
      const char* why = "unknown";
#endif
      llmrt_format_error(err, err_len, "cannot pin thread %d to CPU %d: %s", thread, cpu, why);
      return LLM_ERR_ARGUMENT;
    }
  }
  return LLM_OK;
}

/// Publishes a loop to the workers and runs the caller's share (thread 0).
void run_loop(llmrt_pool* pool, int task_count, bool static_tasks,
              void (*body)(void* context, int task), void* context) {
  pool->task_count = task_count;
  pool->static_tasks = static_tasks;
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
  if (static_tasks) {
    run_static_tasks(pool, 0);
  } else {
    run_tasks(pool);
  }
  for (int spin = 0; pool->workers_busy.load(std::memory_order_acquire) != 0; ++spin) {
    wait_step(spin);
  }
}

}  // namespace

llm_status llmrt_pool_create(int n_threads, const llmrt_pinning* pinning, llmrt_pool** out_pool,
                             char* err, size_t err_len) {
  *out_pool = nullptr;
  if (n_threads < 1) {
    llmrt_format_error(err, err_len, "%d threads: at least 1", n_threads);
    return LLM_ERR_ARGUMENT;
  }
  if (n_threads == 1) return LLM_OK;  // NULL: llmrt_pool_run runs on the calling thread
  llmrt_pool* pool = new (std::nothrow) llmrt_pool();
  if (pool == nullptr) return LLM_ERR_NO_MEMORY;
  pool->workers.reserve(static_cast<size_t>(n_threads - 1));
  for (int i = 1; i < n_threads; ++i) pool->workers.emplace_back(worker_main, pool, i);
  if (pinning != nullptr) {
    llm_status status = pin_workers(pool, *pinning, err, err_len);
    if (status != LLM_OK) {
      llmrt_pool_free(pool);
      return status;
    }
  }
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
  run_loop(pool, task_count, /*static_tasks=*/false, body, context);
}

void llmrt_pool_run_static(llmrt_pool* pool, int task_count,
                           void (*body)(void* context, int task), void* context) {
  if (pool == nullptr || pool->workers.empty() || task_count <= 1) {  // task 0: thread 0
    for (int task = 0; task < task_count; ++task) body(context, task);
    return;
  }
  run_loop(pool, task_count, /*static_tasks=*/true, body, context);
}

LLMRT_NAMESPACE_END
