// SPDX-License-Identifier: MIT
// NativeModel: a JS object around one core::Mlp and its scratch space. JS owns parameters,
// gradients, optimizer state and data; each method borrows them for the length of the call.
//
// JS surface (argument types in order):
//   new NativeModel(spec: {layers: {inputs, units, activation, leakySlope}[], loss: string},
//                   options: {kernel?: string, threads?: number})
//   predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void
//   gradients(params, x: Float32Array, targets: Float32Array | Int32Array, rows, grads): number
//   evaluate(params, x, targets, rows: number): {lossSum: number, correct: number}
//   train(job: TrainJob (see train_worker.h)): Promise<{batchLoss: Float64Array, batchCorrect: Float64Array}>
//   info(): {kernel: string, threads: number, parameterCount: number, workspaceBytes: number}
//   cancel(): void       (allowed while training: the run stops before its next batch)
//   dispose(): void      (idempotent; later calls throw)
// While train() is in flight the model is busy: every other call throws.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/mlp.h"

namespace fastprop::binding {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);

  core::Mlp& mlp() { return *mlp_; }
  void set_busy(bool busy) { busy_ = busy; }
  // Tells V8 how much native scratch this model holds now (AdjustExternalMemory), so GC pressure
  // reflects it. Call on the main thread after anything that may have grown the scratch.
  void report_memory(Napi::Env env);
  std::atomic<bool>& cancel_flag() { return cancel_; }

 private:
  Napi::Value predict(const Napi::CallbackInfo& info);
  Napi::Value gradients(const Napi::CallbackInfo& info);
  Napi::Value evaluate(const Napi::CallbackInfo& info);
  Napi::Value train(const Napi::CallbackInfo& info);
  Napi::Value info(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value cancel(const Napi::CallbackInfo& info);

  // Throws unless the model can run a call now (not disposed, not training).
  void require_idle(Napi::Env env, const char* method) const;

  std::unique_ptr<core::Mlp> mlp_;
  std::shared_ptr<core::ThreadPool> pool_;  // keeps the shared pool alive while we use it
  int threads_ = 1;
  bool busy_ = false;
  std::int64_t reported_bytes_ = 0;
  std::atomic<bool> cancel_{false};  // read by the worker thread between batches
};

}  // namespace fastprop::binding
