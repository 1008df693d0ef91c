#include "gossip/worker_pool.h"

#include <chrono>

#include "glog/logging.h"

namespace phid {
namespace {

// How long an idle thread polls before it blocks: longer than a typical
// hand-over between two windows, short enough not to steal much from the
// thread it waits for when the machine has fewer free cores than threads.
constexpr std::chrono::microseconds kSpin(20);

// Polls `done` until it returns true or kSpin passes; returns its last value.
template <typename Done>
bool SpinUntil(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  while (true) {
    for (int i = 0; i < 16; ++i) {
      if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
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
  if (!SpinUntil([this] { return busy_.load() == 0; })) {
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
    SpinUntil([&] { return generation_.load() != seen; });
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
