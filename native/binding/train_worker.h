// SPDX-License-Identifier: MIT
// Runs a core::TrainJob off the event loop (libuv pool) and settles a promise.
//
// JS job object: {params, grads: Float32Array, slots: Float32Array[], optimizer: {kind,
//   learningRate, momentum, nesterov, beta1, beta2, rho, epsilon, weightDecay}, firstStep: number,
//   learningRates: Float32Array | undefined (one per batch), clipValue, clipNorm: number,
//   x: Float32Array, targets: Float32Array | Int32Array, datasetRows: number, order: Uint32Array,
//   epochRows, epochs, batchSize, firstBatch, batchCount: number, rollback: Float32Array[] |
//   undefined (filled with params and each slot before the first batch)}
// Resolves {batchLoss, batchMetric: Float64Array (one per batch run), batchesDone: number,
//   stopReason: 'completed' | 'cancelled' | 'nonFiniteLoss' | 'nonFiniteWeights'}.
// Every typed array is referenced until the promise settles, so GC cannot free what Execute()
// reads; callers must not mutate or transfer them meanwhile. The row order and the class labels,
// which index memory, are copied once checked. Execute() never touches JS.
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "core/mlp.h"

namespace fastprop::binding {

class ModelWrap;

class TrainWorker : public Napi::AsyncWorker {
 public:
  // Validates the job (throws synchronously on bad input) and returns the promise; the worker
  // must then be queued by the caller.
  static TrainWorker* create(const Napi::CallbackInfo& info, ModelWrap* model);
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  TrainWorker(Napi::Env env, ModelWrap* model);

  Napi::Promise::Deferred deferred_;
  ModelWrap* model_;
  core::TrainJob job_;
  core::TrainOutcome outcome_;
  std::vector<std::uint32_t> order_;  // job_.order and job_.targets.labels point into these
  std::vector<std::int32_t> labels_;
  std::vector<Napi::ObjectReference> keep_alive_;
  Napi::ObjectReference batch_loss_, batch_metric_;
};

}  // namespace fastprop::binding
