// SPDX-License-Identifier: MIT
// Persistent worker pool for the GEMM's m/n loops (the role of MLX's KernelPool or BLIS's
// thread teams). Workers live as long as the pool; a parallel_for wakes them, shares out the
// tasks through one atomic word, runs tasks on the caller's thread too, and returns once
// every task has finished.
//
// Wake-up latency matters more than anything else here: a training step issues several GEMMs
// of a few hundred microseconds each, back to back. So idle workers first spin (with `pause`)
// for a short while and only then sleep on a condition variable; the caller only pays for a
// futex wake when somebody is actually asleep. Tasks are claimed dynamically, and the caller
// never waits for a worker that has not claimed anything (see the job protocol below).
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

#include "float_mode.h"

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

// Job protocol. `work` packs (job id << 32 | low << 16 | high): tasks [low, high) are still
// unclaimed. The caller claims from the low end, workers from the high end, each by a CAS that
// keeps the job id, so a worker that wakes up late (descheduled: this often runs on 2 cores
// shared with Node's own threads) can never claim a task of a job other than the one it read
// `fn` for. Before rewriting `fn`, the caller moves `work` to the new id with nothing left to
// claim (closed: low = kMaxTasks), which makes any late CAS on the old id fail. The caller
// waits for `done == tasks`, not for every worker: if the workers are slow to wake, the caller
// simply runs all the tasks itself and returns.
//
// Two ends, so that with two threads task 0 runs on the caller and task 1 on the worker
// whenever both are awake: the products and the update pass split the same weight rows the
// same way, and the thread that updated rows then finds them in its own cache for the next
// product. With one counter from the low end, the spinning worker took task 0 in 38% of a
// batch-64 step's parallel regions (the caller checks for sleeping workers before it claims).
// Two ends: batch 64 on 2 threads trains 1.09× as fast, batch 16 1.12×, 256 and 1024 the same.
struct ThreadPool::Impl {
  static constexpr unsigned kIndexBits = 16;
  static constexpr std::uint64_t kMaxTasks = (std::uint64_t{1} << kIndexBits) - 1;
  static constexpr std::uint64_t kIdMask = 0xFFFFFFFFu;
  static std::uint64_t pack(std::uint64_t id, std::uint64_t low, std::uint64_t high) {
    return id << (2 * kIndexBits) | low << kIndexBits | high;
  }
  static std::uint64_t id_of(std::uint64_t w) { return w >> (2 * kIndexBits); }
  static std::uint64_t low_of(std::uint64_t w) { return (w >> kIndexBits) & kMaxTasks; }
  static std::uint64_t high_of(std::uint64_t w) { return w & kMaxTasks; }
  static bool closed(std::uint64_t w) { return low_of(w) == kMaxTasks; }  // pack(id, kMaxTasks, 0)

  int size = 1;
  std::vector<std::thread> workers;

  std::mutex call_mu;  // one parallel_for at a time

  std::atomic<std::uint64_t> work{0};
  std::atomic<const std::function<void(std::size_t, int)>*> fn{nullptr};
  std::atomic<std::uint64_t> done{0};
  std::exception_ptr error;  // first exception thrown by a task (guarded by error_mu)
  std::mutex error_mu;

  std::atomic<bool> stop{false};
  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  int sleepers = 0;  // guarded by sleep_mu

  // Claims and runs tasks of job `id` until none is left (or the job is no longer current):
  // thread 0 (the caller) from the low end, workers from the high end.
  void run_tasks(std::uint64_t id, int thread) {
    for (;;) {
      std::uint64_t w = work.load();
      const auto* f = fn.load();
      std::uint64_t idx, next;
      do {
        const std::uint64_t low = low_of(w), high = high_of(w);
        if (id_of(w) != id || low >= high) return;
        idx = thread == 0 ? low : high - 1;
        next = thread == 0 ? pack(id, low + 1, high) : pack(id, low, high - 1);
      } while (!work.compare_exchange_weak(w, next));
      try {
        (*f)(static_cast<std::size_t>(idx), thread);
      } catch (...) {
        std::lock_guard<std::mutex> lk(error_mu);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1);
    }
  }

  void worker_loop(int thread) {
    const FlushSubnormals flush;  // for life: a worker runs only core work (float_mode.h)
    std::uint64_t seen = id_of(work.load());
    auto fresh = [&](std::uint64_t w) { return id_of(w) != seen && !closed(w); };
    for (;;) {
      std::uint64_t w = work.load(std::memory_order_acquire);
      if (!fresh(w) && !stop.load()) {
        const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
        for (unsigned spins = 0; !fresh(w = work.load(std::memory_order_acquire)) && !stop.load();) {
          cpu_relax();
          if ((++spins & 255u) == 0 && std::chrono::steady_clock::now() > deadline) {
            std::unique_lock<std::mutex> lk(sleep_mu);
            ++sleepers;
            sleep_cv.wait(lk, [&] { return fresh(work.load()) || stop.load(); });
            --sleepers;
          }
        }
      }
      if (stop.load()) return;
      seen = id_of(w);
      run_tasks(seen, thread);
    }
  }

  void wake_sleepers() {
    bool wake;
    {
      // Taken after `work` changed, so a worker cannot test its predicate and then miss this.
      std::lock_guard<std::mutex> lk(sleep_mu);
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
  impl_->stop.store(true);
  impl_->wake_sleepers();
  for (std::thread& w : impl_->workers) w.join();
}

int ThreadPool::size() const { return impl_->size; }

void ThreadPool::parallel_for(std::size_t tasks,
                              const std::function<void(std::size_t task, int thread)>& fn) {
  if (tasks == 0) return;
  Impl& p = *impl_;
  std::lock_guard<std::mutex> call(p.call_mu);
  // More tasks than the 16-bit indexes hold (no caller comes near: tasks are a few per thread)
  // run here, one after another, as on a pool of one.
  if (p.size == 1 || tasks == 1 || tasks > Impl::kMaxTasks) {
    for (std::size_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
  const std::uint64_t id = (Impl::id_of(p.work.load()) + 1) & Impl::kIdMask;
  p.work.store(Impl::pack(id, Impl::kMaxTasks, 0));  // closed: late claims on the last job fail
  p.fn.store(&fn);
  p.done.store(0);
  p.error = nullptr;
  p.work.store(Impl::pack(id, 0, tasks));  // open: tasks [0, tasks) can be claimed
  p.wake_sleepers();
  p.run_tasks(id, 0);
  for (unsigned spins = 0; p.done.load(std::memory_order_acquire) != tasks;) {
    if (++spins < 4096) {
      cpu_relax();
    } else {
      std::this_thread::yield();  // a worker holding a task was descheduled: let it run
    }
  }
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
