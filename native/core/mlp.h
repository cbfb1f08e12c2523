// SPDX-License-Identifier: MIT
// Forward and backward passes of a stack of dense layers over caller-owned buffers.
//
//   forward   z_l = a_{l−1}·W_l + b_l,  a_l = f_l(z_l)           (a_0 = x)
//   backward  δ_L = ∂L/∂z_L (losses.h);  δ_{l−1} = (δ_l·W_lᵀ) ⊙ f'_{l−1}(z_{l−1})
//             ∂L/∂W_l = a_{l−1}ᵀ·δ_l,    ∂L/∂b_l = Σ_rows δ_l
//
// Parameters, gradients and optimizer state are flat buffers in the layout of model_spec.h,
// borrowed for the length of a call. The Mlp owns only scratch: activations for one batch and
// the GEMM's packing buffers, sized on first use and reused, so a training step allocates
// nothing once the largest batch has been seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gemm.h"
#include "model_spec.h"
#include "optimizer.h"

namespace fastprop::core {

// A run of training steps: epochs × ceil(epoch_rows / batch_size) mini-batches, each drawn from
// the dataset through `order` (a permutation of row indices per epoch, epochs·epoch_rows long).
struct TrainJob {
  float* params = nullptr;
  float* grads = nullptr;
  float* slots[kMaxOptimizerSlots] = {nullptr, nullptr};
  OptimizerSpec optimizer;
  std::int64_t first_step = 1;  // the optimizer's step counter at the first batch

  const float* x = nullptr;     // [dataset_rows × inputs]
  Targets targets;              // [dataset_rows × outputs] or [dataset_rows] labels
  const std::uint32_t* order = nullptr;
  std::size_t epoch_rows = 0;
  std::size_t epochs = 0;
  std::size_t batch_size = 0;

  double* batch_loss = nullptr;     // out: one batch-mean loss per batch
  double* batch_correct = nullptr;  // out: one count of right predictions per batch
};

std::size_t batches_per_epoch(std::size_t epoch_rows, std::size_t batch_size);

class Mlp {
 public:
  Mlp(ModelSpec spec, Isa isa, ThreadPool* pool);

  const ModelSpec& spec() const { return spec_; }
  Isa isa() const { return gemm_.isa(); }

  // out [rows × outputs] = the model's output for x [rows × inputs].
  void predict(const float* params, const float* x, std::size_t rows, float* out);

  // grads (flat layout) = ∂L/∂θ of the mean loss over all rows, taken as one batch; returns it.
  double gradients(const float* params, const float* x, const Targets& targets, std::size_t rows,
                   float* grads);

  struct Evaluation {
    double loss_sum = 0;     // Σ over rows of the per-row loss (mean = loss_sum / rows)
    double correct = 0;
  };
  // Loss and right predictions over a dataset, in chunks of `chunk_rows`.
  Evaluation evaluate(const float* params, const float* x, const Targets& targets,
                      std::size_t rows, std::size_t chunk_rows);

  // Runs every mini-batch of the job: forward, backward, optimizer update.
  void train(const TrainJob& job);

 private:
  void reserve(std::size_t rows);
  void forward(const float* params, const float* x, std::size_t rows);
  // Fills grads for the batch whose forward pass is in the workspace; returns the loss.
  double backward(const float* params, const float* x, const Targets& targets, std::size_t rows,
                  float* grads);

  ModelSpec spec_;
  Gemm gemm_;
  std::size_t capacity_ = 0;          // rows the buffers below hold
  std::vector<std::vector<float>> z_, a_;
  std::vector<float> delta_, delta_prev_;
  std::vector<float> batch_x_, batch_t_;
  std::vector<std::int32_t> batch_labels_;
};

}  // namespace fastprop::core
