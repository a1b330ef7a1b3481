// threads_test.cpp - the persistent thread pool: every task runs once, loops run back to back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

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
  ASSERT_EQ(llmrt_pool_create(3, &pool), LLM_OK);
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
  ASSERT_EQ(llmrt_pool_create(2, &pool), LLM_OK);
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
  ASSERT_EQ(llmrt_pool_create(1, &pool), LLM_OK);
  EXPECT_EQ(pool, nullptr);  // one thread needs no pool, and allocates nothing
  EXPECT_EQ(llmrt_pool_threads(pool), 1);
  expect_each_task_once(pool, 5, 3);
  llmrt_pool_free(pool);
  expect_each_task_once(nullptr, 5, 3);
}

TEST(ThreadPoolTest, RejectsZeroThreads) {
  llmrt_pool* pool = reinterpret_cast<llmrt_pool*>(1);
  EXPECT_EQ(llmrt_pool_create(0, &pool), LLM_ERR_ARGUMENT);
  EXPECT_EQ(pool, nullptr);
  EXPECT_GE(llmrt_default_threads(), 1);
}

}  // namespace
