// WorkerPool: a fixed set of threads that runs one function over an index
// range, for SimCluster's parallel mode (testonly).
//
// ParallelFor(n, fn) calls fn(0) .. fn(n - 1), each exactly once, spread over
// the pool's threads and the calling thread, and returns when every call has
// returned. Which thread runs which index is not deterministic, so `fn` must
// make calls for different indices independent of each other.
//
// A simulation window is short (about a millisecond of simulated time, well
// under one of real time), so idle threads spin briefly before they block
// on a condition variable; handing over work then costs microseconds.
//
// Thread safety: ParallelFor must be called from one thread at a time. The
// destructor joins the threads.
#ifndef PHID_GOSSIP_WORKER_POOL_H_
#define PHID_GOSSIP_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace phid {

class WorkerPool {
 public:
  // `threads` >= 1 counts the calling thread: WorkerPool(1) starts no
  // thread and runs everything inline.
  explicit WorkerPool(int threads);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

  int threads() const { return static_cast<int>(helpers_.size()) + 1; }

  void ParallelFor(int count, const std::function<void(int)>& fn);

 private:
  void HelperLoop();
  // Runs indices until none is left.
  void Drain();

  std::vector<std::thread> helpers_;

  // The current job: written by ParallelFor before it bumps generation_,
  // read by helpers after they see the bump.
  const std::function<void(int)>* fn_ = nullptr;
  int count_ = 0;
  std::atomic<int> next_{0};  // next index to run

  std::mutex mu_;
  std::condition_variable start_cv_;  // generation_ bumped, or stop_
  std::condition_variable done_cv_;   // busy_ reached 0
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> busy_{0};  // helpers not done with the current job
  bool stop_ = false;         // guarded by mu_
};

}  // namespace phid

#endif  // PHID_GOSSIP_WORKER_POOL_H_
