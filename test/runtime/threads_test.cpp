// threads_test.cpp - the persistent thread pool: every task runs once, loops run back to back,
// a static loop runs task i on thread i % threads, workers are pinned to the CPUs asked for.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include "runtime/llmrt.h"

namespace {

// Runs `tasks` tasks `loops` times and checks each task of each loop ran exactly once.
void expect_each_task_once(llmrt_pool* pool, int tasks, int loops) {
  std::vector<std::atomic<int>> runs(static_cast<size_t>(tasks));
  for (int loop = 0; loop < loops; ++loop) {
    llmrt_parallel_for(pool, tasks, [&](int task) { runs[static_cast<size_t>(task)]++; });
    for (int t = 0; t < tasks; ++t) ASSERT_EQ(runs[static_cast<size_t>(t)].load(), loop + 1);
  }
}

TEST(ThreadPoolTest, EachTaskRunsOnceAcrossManyLoops) {
  llmrt_pool* pool = nullptr;
  ASSERT_EQ(llmrt_pool_create(3, nullptr, &pool, nullptr, 0), LLM_OK);
  EXPECT_EQ(llmrt_pool_threads(pool), 3);
  expect_each_task_once(pool, 7, 2000);  // back-to-back loops, as decode runs them
  expect_each_task_once(pool, 1, 10);
  expect_each_task_once(pool, 64, 10);
  llmrt_pool_free(pool);
}

TEST(ThreadPoolTest, RunsTasksConcurrently) {
  // Each of two tasks waits (up to 10 s) until both have started: that only finishes early
  // when a worker runs one task while the calling thread runs the other.
  llmrt_pool* pool = nullptr;
  ASSERT_EQ(llmrt_pool_create(2, nullptr, &pool, nullptr, 0), LLM_OK);
  std::atomic<int> started{0};
  std::atomic<bool> timed_out{false};
  llmrt_parallel_for(pool, 2, [&](int) {
    started++;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load() < 2) {
      if (std::chrono::steady_clock::now() > deadline) {
        timed_out = true;
        return;
      }
      std::this_thread::yield();
    }
  });
  EXPECT_FALSE(timed_out.load());
  EXPECT_EQ(started.load(), 2);
  llmrt_pool_free(pool);
}

TEST(ThreadPoolTest, SingleThreadAndNullPoolRunInline) {
  llmrt_pool* pool = reinterpret_cast<llmrt_pool*>(1);
  ASSERT_EQ(llmrt_pool_create(1, nullptr, &pool, nullptr, 0), LLM_OK);
  EXPECT_EQ(pool, nullptr);  // one thread needs no pool, and allocates nothing
  EXPECT_EQ(llmrt_pool_threads(pool), 1);
  expect_each_task_once(pool, 5, 3);
  llmrt_pool_free(pool);
  expect_each_task_once(nullptr, 5, 3);
}

TEST(ThreadPoolTest, RejectsZeroThreads) {
  llmrt_pool* pool = reinterpret_cast<llmrt_pool*>(1);
  EXPECT_EQ(llmrt_pool_create(0, nullptr, &pool, nullptr, 0), LLM_ERR_ARGUMENT);
  EXPECT_EQ(pool, nullptr);
  EXPECT_GE(llmrt_default_threads(), 1);
}

// Runs `tasks` static tasks `loops` times; returns the thread each task ran on (the same in
// every loop, or the test fails).
std::vector<std::thread::id> static_task_threads(llmrt_pool* pool, int tasks, int loops) {
  std::vector<std::thread::id> first(static_cast<size_t>(tasks));
  std::vector<std::thread::id> ran(static_cast<size_t>(tasks));
  for (int loop = 0; loop < loops; ++loop) {
    llmrt_parallel_for_static(pool, tasks, [&](int task) {
      ran[static_cast<size_t>(task)] = std::this_thread::get_id();
    });
    if (loop == 0) first = ran;
    EXPECT_EQ(ran, first) << "loop " << loop << " put a task on another thread";
  }
  return first;
}

TEST(ThreadPoolTest, StaticTasksRunOnThreadTaskModuloThreads) {
  llmrt_pool* pool = nullptr;
  ASSERT_EQ(llmrt_pool_create(3, nullptr, &pool, nullptr, 0), LLM_OK);
  // 8 tasks on 3 threads: fewer threads than parts, so thread t runs t, t + 3, t + 6.
  std::vector<std::thread::id> ran = static_task_threads(pool, 8, 500);
  EXPECT_EQ(ran[0], std::this_thread::get_id());  // thread 0 is the caller
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j)
      EXPECT_EQ(ran[size_t(i)] == ran[size_t(j)], i % 3 == j % 3) << "tasks " << i << ", " << j;
  // Fewer tasks than threads: the extra worker idles, the loop still ends.
  ran = static_task_threads(pool, 2, 100);
  EXPECT_EQ(ran[0], std::this_thread::get_id());
  EXPECT_NE(ran[1], ran[0]);
  expect_each_task_once(pool, 7, 10);  // dynamic loops still work after static ones
  llmrt_pool_free(pool);
  for (std::thread::id id : static_task_threads(nullptr, 4, 2))
    EXPECT_EQ(id, std::this_thread::get_id());  // no pool: all on the caller
}

#if defined(__linux__)
// The first CPU this process may run on.
int first_usable_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) return cpu;
  return 0;
}

TEST(ThreadPoolTest, PinsEachWorkerToItsCpu) {
  int cpu = first_usable_cpu();
  const int cpus[3] = {-1, cpu, cpu};  // thread 0, the caller, is never pinned
  llmrt_pinning pinning = {cpus, 3, true};
  llmrt_pool* pool = nullptr;
  char err[256] = "";
  ASSERT_EQ(llmrt_pool_create(3, &pinning, &pool, err, sizeof err), LLM_OK) << err;
  std::vector<int> on(3, -1);
  llmrt_parallel_for_static(pool, 3, [&](int task) { on[size_t(task)] = sched_getcpu(); });
  EXPECT_EQ(on[1], cpu);
  EXPECT_EQ(on[2], cpu);
  llmrt_pool_free(pool);
}
#endif

TEST(ThreadPoolTest, AMissingCpuFailsOnlyWhereRequired) {
  const int cpus[2] = {0, 1 << 20};  // no machine has CPU 1048576
  llmrt_pinning pinning = {cpus, 2, true};
  llmrt_pool* pool = reinterpret_cast<llmrt_pool*>(1);
  char err[256] = "";
#if defined(__linux__)
  ASSERT_EQ(llmrt_pool_create(2, &pinning, &pool, err, sizeof err), LLM_ERR_ARGUMENT);
  EXPECT_EQ(pool, nullptr);
  EXPECT_NE(std::string(err).find("cannot pin thread 1 to CPU 1048576"), std::string::npos)
      << err;
#endif
  pinning.required = false;  // the default pinning of a described model: that worker unpinned
  ASSERT_EQ(llmrt_pool_create(2, &pinning, &pool, err, sizeof err), LLM_OK) << err;
  expect_each_task_once(pool, 4, 10);
  llmrt_pool_free(pool);
  llmrt_pinning identity = {nullptr, 1 << 20, false};  // CPU t for every worker
  ASSERT_EQ(llmrt_pool_create(4, &identity, &pool, err, sizeof err), LLM_OK) << err;
  expect_each_task_once(pool, 4, 10);
  llmrt_pool_free(pool);
}

}  // namespace
