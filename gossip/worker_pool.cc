#include "gossip/worker_pool.h"

#include "glog/logging.h"

namespace phid {
namespace {

// How many times an idle thread polls before it blocks: some tens of
// microseconds, longer than a typical hand-over between two windows.
constexpr int kSpins = 20000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

WorkerPool::WorkerPool(int threads) {
  CHECK_GE(threads, 1);
  for (int i = 1; i < threads; ++i) {
    helpers_.emplace_back([this] { HelperLoop(); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

void WorkerPool::ParallelFor(int count, const std::function<void(int)>& fn) {
  if (helpers_.empty() || count <= 1) {
    for (int i = 0; i < count; ++i) fn(i);
    return;
  }
  fn_ = &fn;
  count_ = count;
  next_.store(0);
  busy_.store(static_cast<int>(helpers_.size()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1);
  }
  start_cv_.notify_all();
  Drain();
  for (int i = 0; i < kSpins && busy_.load() != 0; ++i) CpuRelax();
  if (busy_.load() != 0) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return busy_.load() == 0; });
  }
  fn_ = nullptr;
}

void WorkerPool::Drain() {
  for (int i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) {
    (*fn_)(i);
  }
}

void WorkerPool::HelperLoop() {
  uint64_t seen = 0;
  while (true) {
    for (int i = 0; i < kSpins && generation_.load() == seen; ++i) {
      CpuRelax();
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
      if (stop_) return;
      seen = generation_.load();
    }
    Drain();
    if (busy_.fetch_sub(1) == 1) {
      // Taking the lock orders this notify after ParallelFor's predicate
      // check, so the wake-up cannot be lost.
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_one();
    }
  }
}

}  // namespace phid
