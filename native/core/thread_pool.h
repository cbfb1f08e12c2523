// SPDX-License-Identifier: MIT
// A persistent pool of worker threads for the GEMM's m/n loops. Created once per addon
// instance; safe to call from several threads at once (callers take turns).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace fastprop::core {

class ThreadPool {
 public:
  // threads >= 1 counts the calling thread: a pool of 1 starts no worker.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const;
  // Runs fn(task, thread) for every task in [0, tasks), spread over the pool's threads
  // (thread < size()); the caller's thread takes part. Returns when all are done.
  void parallel_for(std::size_t tasks, const std::function<void(std::size_t task, int thread)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// FASTPROP_THREADS when set to a positive integer, else the number of available cores.
int default_thread_count();

}  // namespace fastprop::core
