#include "gossip/worker_pool.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(WorkerPoolTest, EveryIndexRunsExactlyOnceForAnyThreadCount) {
  for (int threads : {1, 2, 4}) {
    WorkerPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    // Many short rounds, as a simulation's windows are.
    for (int round = 0; round < 2000; ++round) {
      int count = round % 37;
      std::vector<std::atomic<int>> runs(count);
      pool.ParallelFor(count, [&](int i) { runs[i].fetch_add(1); });
      for (int i = 0; i < count; ++i) {
        ASSERT_EQ(runs[i].load(), 1)
            << "threads " << threads << " round " << round << " index " << i;
      }
    }
  }
}

TEST(WorkerPoolTest, ReturnsOnlyWhenEveryCallHasReturned) {
  WorkerPool pool(3);
  std::atomic<int> done{0};
  pool.ParallelFor(64, [&](int) {
    volatile double x = 0;
    for (int k = 0; k < 100000; ++k) x = x + k;
    done.fetch_add(1);
  });
  EXPECT_EQ(done.load(), 64);
}

}  // namespace
}  // namespace phid
