// SPDX-License-Identifier: MIT
// Persistent worker pool for the GEMM's m/n loops (the role of MLX's KernelPool or BLIS's
// thread teams). Workers live as long as the pool; a parallel_for wakes them, shares out the
// tasks through one atomic counter, runs tasks on the caller's thread too, and returns once
// every worker has checked back in.
//
// Wake-up latency matters more than anything else here: a training step issues several GEMMs
// of a few hundred microseconds each, back to back. So idle workers first spin (with `pause`)
// for a short while and only then sleep on a condition variable; the caller only pays for a
// futex wake when somebody is actually asleep.
//
// Several threads may call parallel_for at once (two models training from two libuv threads):
// callers take turns on `call_mu`. parallel_for is not re-entrant: a task must not call it on
// the same pool.
#include "thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace fastprop::core {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// How long an idle worker spins before it sleeps: long enough to bridge the gap between the
// GEMMs of one training step, short enough not to steal a core from the rest of the process.
constexpr std::chrono::microseconds kSpinBeforeSleep{200};

}  // namespace

struct ThreadPool::Impl {
  int size = 1;
  std::vector<std::thread> workers;

  std::mutex call_mu;  // one parallel_for at a time

  // The current job; written by the caller before `generation` is bumped (release), read by
  // workers after they observe the new generation (acquire).
  const std::function<void(std::size_t, int)>* fn = nullptr;
  std::size_t tasks = 0;
  std::atomic<std::size_t> next{0};
  std::atomic<int> pending{0};  // workers that have not finished the current job
  std::exception_ptr error;     // first exception thrown by a task (guarded by error_mu)
  std::mutex error_mu;

  std::atomic<std::uint64_t> generation{0};
  std::atomic<bool> stop{false};
  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  int sleepers = 0;  // guarded by sleep_mu

  void run_tasks(int thread) {
    for (;;) {
      const std::size_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks) return;
      try {
        (*fn)(t, thread);
      } catch (...) {
        std::lock_guard<std::mutex> lk(error_mu);
        if (!error) error = std::current_exception();
      }
    }
  }

  void worker_loop(int thread) {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t g = generation.load(std::memory_order_acquire);
      if (g == seen) {
        const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
        for (unsigned spins = 0; (g = generation.load(std::memory_order_acquire)) == seen;) {
          cpu_relax();
          if ((++spins & 255u) == 0 && std::chrono::steady_clock::now() > deadline) {
            std::unique_lock<std::mutex> lk(sleep_mu);
            ++sleepers;
            sleep_cv.wait(lk, [&] { return generation.load(std::memory_order_acquire) != seen; });
            --sleepers;
          }
        }
      }
      seen = g;
      if (stop.load(std::memory_order_acquire)) return;
      run_tasks(thread);
      pending.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void publish() {
    // Bumped under sleep_mu so a worker cannot check the predicate and then miss the wake-up.
    bool wake;
    {
      std::lock_guard<std::mutex> lk(sleep_mu);
      generation.fetch_add(1, std::memory_order_acq_rel);
      wake = sleepers > 0;
    }
    if (wake) sleep_cv.notify_all();
  }
};

ThreadPool::ThreadPool(int threads) : impl_(std::make_unique<Impl>()) {
  impl_->size = threads < 1 ? 1 : threads;
  impl_->workers.reserve(static_cast<std::size_t>(impl_->size - 1));
  for (int t = 1; t < impl_->size; ++t)
    impl_->workers.emplace_back([this, t] { impl_->worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  std::lock_guard<std::mutex> call(impl_->call_mu);
  impl_->stop.store(true, std::memory_order_release);
  impl_->publish();
  for (std::thread& w : impl_->workers) w.join();
}

int ThreadPool::size() const { return impl_->size; }

void ThreadPool::parallel_for(std::size_t tasks,
                              const std::function<void(std::size_t task, int thread)>& fn) {
  if (tasks == 0) return;
  Impl& p = *impl_;
  std::lock_guard<std::mutex> call(p.call_mu);
  if (p.size == 1 || tasks == 1) {
    for (std::size_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
  p.fn = &fn;
  p.tasks = tasks;
  p.error = nullptr;
  p.next.store(0, std::memory_order_relaxed);
  p.pending.store(p.size - 1, std::memory_order_relaxed);
  p.publish();
  p.run_tasks(0);
  for (unsigned spins = 0; p.pending.load(std::memory_order_acquire) != 0;) {
    if (++spins < 4096) {
      cpu_relax();
    } else {
      std::this_thread::yield();  // a worker was descheduled: give it the core
    }
  }
  p.fn = nullptr;
  if (p.error) std::rethrow_exception(p.error);
}

int default_thread_count() {
  static const int count = [] {
    if (const char* env = std::getenv("FASTPROP_THREADS")) {
      char* end = nullptr;
      const long v = std::strtol(env, &end, 10);
      if (end != env && *end == '\0' && v > 0) return v > 1024 ? 1024 : static_cast<int>(v);
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
  }();
  return count;
}

}  // namespace fastprop::core
