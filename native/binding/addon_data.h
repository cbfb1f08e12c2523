// SPDX-License-Identifier: MIT
// Per-environment state (one per main thread or worker_thread that loads the addon): no static
// mutable state anywhere, so the addon is safe in worker_threads and unloads with its env.
#pragma once

#include <napi.h>

#include <map>
#include <memory>

#include "core/thread_pool.h"

namespace fastprop::binding {

struct AddonData {
  Napi::FunctionReference model_constructor;
  // Persistent GEMM pools, one per thread count in use, shared by the models of this env.
  std::map<int, std::shared_ptr<core::ThreadPool>> pools;

  std::shared_ptr<core::ThreadPool> pool(int threads) {
    std::shared_ptr<core::ThreadPool>& slot = pools[threads];
    if (!slot) slot = std::make_shared<core::ThreadPool>(threads);
    return slot;
  }
};

}  // namespace fastprop::binding
