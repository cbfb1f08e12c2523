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
#include <atomic>
#include <cstdint>
#include <vector>

#include "gemm.h"
#include "model_spec.h"
#include "optimizer.h"

namespace fastprop::core {

// Why a training run returned.
enum class StopReason {
  kCompleted,         // every batch ran
  kCancelled,         // *cancel became true: stopped between batches
  kNonFiniteLoss,     // a batch's loss was NaN or ±Inf: that batch's update was not applied
  kNonFiniteWeights,  // an update produced NaN or ±Inf parameters (they are left as they are)
};

// A run of training steps over batches [first_batch, first_batch + batch_count) of `epochs`
// epochs, each epoch ceil(epoch_rows / batch_size) mini-batches drawn from the dataset through
// `order` (a permutation of row indices per epoch, epochs·epoch_rows long).
struct TrainJob {
  float* params = nullptr;
  float* grads = nullptr;  // scratch: with clip_norm, each batch's ∂L/∂θ; else partly unwritten
  float* slots[kMaxOptimizerSlots] = {nullptr, nullptr};
  OptimizerSpec optimizer;
  std::int64_t first_step = 1;            // the optimizer's step counter at the first batch
  const float* learning_rates = nullptr;  // one per batch of the run, or null: optimizer's
  float clip_value = 0.0f;                // > 0: clamp every gradient to [−clip_value, clip_value]
  float clip_norm = 0.0f;                 // > 0: rescale gradients whose global L2 norm exceeds it
  const std::atomic<bool>* cancel = nullptr;
  // Optional, out: filled with params and slots before the first batch, off the event loop: the
  // state the caller restores if an update makes the weights non-finite (src/train/loop.ts).
  float* rollback_params = nullptr;
  float* rollback_slots[kMaxOptimizerSlots] = {nullptr, nullptr};

  const float* x = nullptr;     // [dataset_rows × inputs]
  Targets targets;              // [dataset_rows × outputs] or [dataset_rows] labels
  const std::uint32_t* order = nullptr;
  std::size_t epoch_rows = 0;
  std::size_t epochs = 0;
  std::size_t batch_size = 0;
  std::size_t first_batch = 0;
  std::size_t batch_count = 0;

  double* batch_loss = nullptr;     // out: batch-mean loss (with penalties) per batch run
  double* batch_metric = nullptr;   // out: metric_sum (losses.h) per batch run
};

struct TrainOutcome {
  StopReason reason = StopReason::kCompleted;
  std::size_t batches_done = 0;  // batches whose update was applied
};

std::size_t batches_per_epoch(std::size_t epoch_rows, std::size_t batch_size);

class Mlp {
 public:
  Mlp(ModelSpec spec, Isa isa, ThreadPool* pool);

  const ModelSpec& spec() const { return spec_; }
  // Bytes of scratch held (activations, deltas, packing buffers), for reporting to the JS engine.
  std::size_t workspace_bytes() const;
  Isa isa() const { return gemm_.isa(); }

  // out [rows × outputs] = the model's output for x [rows × inputs].
  void predict(const float* params, const float* x, std::size_t rows, float* out);

  // grads (flat layout) = ∂L/∂θ of the mean loss over all rows, taken as one batch; returns it.
  double gradients(const float* params, const float* x, const Targets& targets, std::size_t rows,
                   float* grads);

  struct Evaluation {
    double loss_sum = 0;     // Σ over rows of the per-row loss (mean = loss_sum / rows)
    double metric = 0;       // metric_sum over all rows (losses.h)
    double penalty = 0;      // the L1/L2 penalty of the current weights (not in loss_sum)
  };
  // Loss and right predictions over a dataset, in chunks of `chunk_rows`.
  Evaluation evaluate(const float* params, const float* x, const Targets& targets,
                      std::size_t rows, std::size_t chunk_rows);

  // Runs the job's mini-batches: forward, backward, optimizer update; stops early on cancel or
  // a non-finite loss.
  TrainOutcome train(const TrainJob& job);

 private:
  void reserve(std::size_t rows);
  // `dropout_step` ≥ 1 turns dropout on, with the masks of that optimizer step. `ahead`: a
  // batch-1 training step, whose layer-0 product is layer0_ahead().
  void forward(const float* params, const float* x, std::size_t rows, std::int64_t dropout_step = 0,
               bool ahead = false);
  // Batch size 1: layer 0's product x·W_0 + b_0 for one row, as kAheadChunks partial sums over
  // fixed ranges of W_0's rows, added in order. A training step at batch size 1 is memory-bound,
  // and W_0 is most of its traffic: so while a step updates W_0 it also forms the next step's
  // partial sums from the rows it has just written (RowGradient::ahead_acc), and the next step
  // does not read W_0 again. When they were not formed ahead (a job's first step), they are
  // formed here, by the same code in the same order: the bits never depend on which happened.
  void layer0_ahead(const float* params, const float* x, float* z);
  // Runs fn(chunk, row0, row1) for the kAheadChunks row ranges of layer 0, on the pool when the
  // layer is big enough (which thread takes which chunk does not change any value).
  template <typename Fn>
  void for_each_ahead_chunk(const Fn& fn);
  // Without a global norm clip (which needs every gradient first), backward() applies the
  // optimizer update layer by layer as it goes. Batches of up to kFusedMaxRows rows compute each
  // row of ∂L/∂W just before updating that row of W (fused_update): ∂L/∂W is never written out
  // and read back, which is most of a small batch's memory traffic. Larger batches form ∂L/∂W
  // with the GEMM and update each block of it as the product finishes it (UpdateEpilogue in
  // mlp.cc), while it is in cache; a block formed in one pass over the batch goes through the
  // product's own buffer (Epilogue::c_scratch), not job.grads. Either way the result is the same
  // bits as forming every gradient and then updating in a pass of its own, the path taken under
  // clip_norm.
  struct FusedUpdate {
    const TrainJob* job;
    StepConstants constants;  // the optimizer's, for this step and its learning rate
    bool finite = true;  // out: false when an update produced a NaN or ±Inf parameter
    bool in_products = false;  // true: the update in the products' epilogues; false: row by row
  };
  // Backpropagates the batch whose forward pass is in the workspace and returns the loss (with
  // penalties). Without `fused`, fills grads (penalties included); with it, updates the
  // parameters instead — unless the loss is not finite, in which case nothing is updated.
  double backward(const float* params, const float* x, const Targets& targets, std::size_t rows,
                  float* grads, FusedUpdate* fused = nullptr);
  // Rows [r0, r1) of δ·W_lᵀ in delta_prev_ become δ_{l−1}: times layer l−1's dropout mask, if
  // on, and its f'. For the products that cannot fuse it into their epilogue (softmax below,
  // the fused small-batch update).
  void derivative_below(std::size_t l, std::size_t r0, std::size_t r1);
  // With `back` (rows × the layer's inputs), also forms δ·Wᵀ there (see RowGradient::back).
  void fused_update(std::size_t layer, const float* input, std::size_t rows, FusedUpdate& fused,
                    float* back);
  // L1/L2: adds the penalties' gradients to grads and returns the penalty.
  double add_penalties(const float* params, float* grads);
  double penalty(const float* params) const;
  // Splits [0, n) over the pool when it is worth it (at least min_per_thread per part) and calls
  // fn(begin, end) for each part.
  template <typename Fn>
  void parallel_range(std::size_t n, std::size_t min_per_thread, const Fn& fn);

  ModelSpec spec_;
  Gemm gemm_;
  std::size_t capacity_ = 0;          // rows the buffers below hold
  // Each layer's z = input·W + b and a = f(z). A hidden layer whose f' can be had from a
  // (derivative_from_output) keeps no z: f runs in place and z_of() is its a. Its forward pass
  // then writes one buffer instead of two, and its backward pass reads one.
  std::vector<std::vector<float>> z_, a_;
  std::vector<bool> z_is_a_;
  float* z_of(std::size_t l) { return z_is_a_[l] ? a_[l].data() : z_[l].data(); }
  // For layers with dropout: the masks (0 or 1/(1 − rate)) and the dropped activations that
  // feed the next layer; a_ keeps the activations before dropout for f'.
  std::vector<std::vector<float>> mask_, dropped_;
  std::vector<bool> dropout_on_;  // whether the current forward pass applied each layer's dropout
  std::vector<float> delta_, delta_prev_;
  std::vector<float> batch_x_, batch_t_;
  std::vector<std::int32_t> batch_labels_;
  std::vector<float> ahead_;         // kAheadChunks × layer 0's units: partial sums of x·W_0
  bool ahead_ready_ = false;         // ahead_ holds the coming step's partial sums
  const float* ahead_x_ = nullptr;   // during a batch-1 step's backward pass: the next step's x
};

}  // namespace fastprop::core
