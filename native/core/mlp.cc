// SPDX-License-Identifier: MIT
#include "mlp.h"

#include <algorithm>

#include "activations.h"
#include "losses.h"

namespace fastprop::core {

namespace {
// Rows per forward pass when predicting or evaluating a whole dataset: large enough for
// efficient products, small enough that the activations stay in cache-friendly sizes.
constexpr std::size_t kInferenceChunk = 256;
}  // namespace

std::size_t batches_per_epoch(std::size_t epoch_rows, std::size_t batch_size) {
  return batch_size == 0 ? 0 : (epoch_rows + batch_size - 1) / batch_size;
}

Mlp::Mlp(ModelSpec spec, Isa isa, ThreadPool* pool)
    : spec_(std::move(spec)), gemm_(isa, pool), z_(spec_.layers.size()), a_(spec_.layers.size()) {}

void Mlp::reserve(std::size_t rows) {
  if (rows <= capacity_) return;
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    z_[l].resize(rows * spec_.layers[l].units);
    a_[l].resize(rows * spec_.layers[l].units);
  }
  delta_.resize(rows * spec_.widest_layer());
  delta_prev_.resize(rows * spec_.widest_layer());
  batch_x_.resize(rows * spec_.input_size());
  batch_t_.resize(rows * spec_.output_size());
  batch_labels_.resize(rows);
  capacity_ = rows;
}

void Mlp::forward(const float* params, const float* x, std::size_t rows) {
  const float* input = x;
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    const float* w = params + spec_.weights_offset(l);
    const float* b = params + spec_.bias_offset(l);
    // z = input·W + b  (bias fused into the product's write-back)
    gemm_.sgemm(Trans::kNo, Trans::kNo, rows, layer.units, layer.inputs, 1.0f, input,
                layer.inputs, w, layer.units, 0.0f, z_[l].data(), layer.units, b);
    activation_forward(layer.activation, layer.leaky_slope, z_[l].data(), a_[l].data(), rows,
                       layer.units);
    input = a_[l].data();
  }
}

double Mlp::backward(const float* params, const float* x, const Targets& targets,
                     std::size_t rows, float* grads) {
  const std::size_t last = spec_.layers.size() - 1;
  const double loss = loss_and_delta(spec_.loss, spec_.layers[last], z_[last].data(),
                                     a_[last].data(), targets, rows, delta_.data(),
                                     spec_.huber_delta);
  for (std::size_t l = last + 1; l-- > 0;) {
    const LayerSpec& layer = spec_.layers[l];
    const float* input = l == 0 ? x : a_[l - 1].data();
    float* dw = grads + spec_.weights_offset(l);
    float* db = grads + spec_.bias_offset(l);
    // ∂L/∂W = inputᵀ·δ   (input read transposed in place)
    gemm_.sgemm(Trans::kYes, Trans::kNo, layer.inputs, layer.units, rows, 1.0f, input,
                layer.inputs, delta_.data(), layer.units, 0.0f, dw, layer.units);
    // ∂L/∂b = Σ_rows δ, summed row by row in a fixed order (deterministic).
    std::fill(db, db + layer.units, 0.0f);
    for (std::size_t r = 0; r < rows; ++r) {
      const float* dr = delta_.data() + r * layer.units;
      for (std::size_t j = 0; j < layer.units; ++j) db[j] += dr[j];
    }
    if (l == 0) break;
    // δ_{l−1} = (δ_l·W_lᵀ) ⊙ f'(z_{l−1})
    const LayerSpec& below = spec_.layers[l - 1];
    const float* w = params + spec_.weights_offset(l);
    gemm_.sgemm(Trans::kNo, Trans::kYes, rows, layer.inputs, layer.units, 1.0f, delta_.data(),
                layer.units, w, layer.units, 0.0f, delta_prev_.data(), layer.inputs);
    activation_backward(below.activation, below.leaky_slope, z_[l - 1].data(), a_[l - 1].data(),
                        delta_prev_.data(), rows, below.units);
    std::swap(delta_, delta_prev_);
  }
  return loss;
}

void Mlp::predict(const float* params, const float* x, std::size_t rows, float* out) {
  const std::size_t in = spec_.input_size(), n = spec_.output_size();
  reserve(std::min(rows, kInferenceChunk));
  for (std::size_t start = 0; start < rows; start += kInferenceChunk) {
    const std::size_t count = std::min(kInferenceChunk, rows - start);
    forward(params, x + start * in, count);
    const float* a = a_.back().data();
    std::copy(a, a + count * n, out + start * n);
  }
}

double Mlp::gradients(const float* params, const float* x, const Targets& targets,
                      std::size_t rows, float* grads) {
  reserve(rows);
  forward(params, x, rows);
  return backward(params, x, targets, rows, grads);
}

Mlp::Evaluation Mlp::evaluate(const float* params, const float* x, const Targets& targets,
                              std::size_t rows, std::size_t chunk_rows) {
  const std::size_t in = spec_.input_size(), n = spec_.output_size();
  const bool labels = uses_labels(spec_.loss);
  chunk_rows = std::max<std::size_t>(1, chunk_rows);
  reserve(std::min(rows, chunk_rows));
  Evaluation result;
  for (std::size_t start = 0; start < rows; start += chunk_rows) {
    const std::size_t count = std::min(chunk_rows, rows - start);
    forward(params, x + start * in, count);
    Targets chunk;
    if (labels) chunk.labels = targets.labels + start;
    else chunk.values = targets.values + start * n;
    const std::size_t last = spec_.layers.size() - 1;
    result.loss_sum +=
        loss_value(spec_.loss, z_[last].data(), a_[last].data(), chunk, count, n, spec_.huber_delta) *
        double(count);
    result.correct += double(count_correct(spec_.loss, a_[last].data(), chunk, count, n));
  }
  return result;
}

void Mlp::train(const TrainJob& job) {
  const std::size_t in = spec_.input_size(), n = spec_.output_size();
  const bool labels = uses_labels(spec_.loss);
  const std::size_t count = spec_.parameter_count();
  const std::size_t per_epoch = batches_per_epoch(job.epoch_rows, job.batch_size);
  reserve(std::min(job.batch_size, job.epoch_rows));
  std::int64_t step = job.first_step;
  std::size_t batch_index = 0;
  for (std::size_t epoch = 0; epoch < job.epochs; ++epoch) {
    const std::uint32_t* order = job.order + epoch * job.epoch_rows;
    for (std::size_t b = 0; b < per_epoch; ++b, ++batch_index, ++step) {
      const std::size_t start = b * job.batch_size;
      const std::size_t rows = std::min(job.batch_size, job.epoch_rows - start);
      // Gather the batch's rows into contiguous buffers for the products.
      for (std::size_t r = 0; r < rows; ++r) {
        const std::size_t src = order[start + r];
        std::copy(job.x + src * in, job.x + (src + 1) * in, batch_x_.data() + r * in);
        if (labels) batch_labels_[r] = job.targets.labels[src];
        else std::copy(job.targets.values + src * n, job.targets.values + (src + 1) * n,
                       batch_t_.data() + r * n);
      }
      Targets batch_targets;
      if (labels) batch_targets.labels = batch_labels_.data();
      else batch_targets.values = batch_t_.data();

      forward(job.params, batch_x_.data(), rows);
      job.batch_correct[batch_index] =
          double(count_correct(spec_.loss, a_.back().data(), batch_targets, rows, n));
      job.batch_loss[batch_index] =
          backward(job.params, batch_x_.data(), batch_targets, rows, job.grads);
      optimizer_update(job.optimizer, job.params, job.grads, job.slots, 0, count, step);
    }
  }
}

}  // namespace fastprop::core
