// SPDX-License-Identifier: MIT
#include "mlp.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "activations.h"
#include "float_mode.h"
#include "losses.h"
#include "random.h"
#include "thread_choice.h"
#include "thread_pool.h"

namespace fastprop::core {

namespace {

// Rows per forward pass when predicting or evaluating a whole dataset: large enough for
// efficient products, small enough that the activations stay in cache-friendly sizes.
constexpr std::size_t kInferenceChunk = 256;

// Batches up to this size train through Mlp::fused_update. Its ∂L/∂W rows are computed by plain
// loops (at baseline flags), which beat a GEMM when there are this few rows to sum; beyond, the
// GEMM's SIMD kernels win.
constexpr std::size_t kFusedMaxRows = 4;
// Batches up to this size choose their thread count by timing (ThreadChoice). Measured on a
// 2-core Xeon (bench/profile-fit.mjs, 784-512-256-10): at batch 2, 1 thread gave 5.5–7.0k
// samples/s against 2 threads' 3.6–4.5k; at batches 8 and 16 either side won by 10–20% from
// run to run; at batch 64 two threads win clearly, and probing would only cost.
constexpr std::size_t kChooseThreadsMaxRows = 16;

// Element-wise passes are memory-bound: below this many elements per thread, waking a second
// thread costs more than it saves.
constexpr std::size_t kMinElementsPerThread = 1 << 14;

// Partial sums of layer 0's product at batch size 1 (Mlp::layer0_ahead): a fixed number, so that
// the sums never depend on the thread count; two per thread on two cores.
constexpr std::size_t kAheadChunks = 4;

// g[begin, end) += ∂/∂w of l1·|w| + l2·w² (sign(0) = 0): the one expression for the penalty
// gradients on every path that adds them (add_penalties, UpdateEpilogue), so they agree bitwise.
void add_penalty_gradients(const float* w, float* g, std::size_t begin, std::size_t end, float l1,
                           float l2) {
  const float two_l2 = 2.0f * l2;
  for (std::size_t i = begin; i < end; ++i) g[i] += l1 * float((w[i] > 0.0f) - (w[i] < 0.0f)) + two_l2 * w[i];
}

// g[begin, end) clamped to [−c, c] (clip_value), for the clamping pass and UpdateEpilogue alike.
void clamp_gradients(float* g, std::size_t begin, std::size_t end, float c) {
  for (std::size_t i = begin; i < end; ++i) g[i] = std::clamp(g[i], -c, c);
}

// The optimizer applied to each finished block of ∂L/∂W as the product writes it, while the block
// is still in cache, instead of in a pass of its own over every parameter after the backward
// pass: 1.02–1.20× the training throughput at batches 8–256 on the 2-core Xeon, 1.00–1.04× at
// 512 and 1024 (bench/compare-builds.mjs, 784-512-256-10). Each block first gets its penalty
// gradients and the clip_value clamp, by the same functions as add_penalties and the clamping
// pass, so the result is the same bits. Blocks of different threads are disjoint, and
// so are the parameters and slots they update.
struct UpdateEpilogue {
  Isa isa;
  const TrainJob* job;
  const StepConstants* constants;
  std::size_t offset;      // the layer's W (or b) in the flat parameter array
  std::size_t n;           // units: the row length of W
  float l1, l2;            // the layer's penalties; 0 for a bias
  std::atomic<bool>* finite;  // out: set false when an update made a parameter NaN or ±Inf

  // The block's gradients are wherever the product left them (`block`, rows `ld` apart): in
  // job->grads, or in the product's own buffer (Epilogue::c_scratch).
  static void apply(const void* context, std::size_t i0, std::size_t j0, std::size_t rows,
                    std::size_t cols, float* block, std::size_t ld) {
    const auto& e = *static_cast<const UpdateEpilogue*>(context);
    if (j0 == 0 && cols == e.n && ld == e.n) {  // whole rows: one contiguous range
      e.update(e.offset + i0 * e.n, rows * e.n, block);
      return;
    }
    for (std::size_t r = 0; r < rows; ++r) {
      e.update(e.offset + (i0 + r) * e.n + j0, cols, block + r * ld);
    }
  }

  // Parameters [begin, begin + count) of the flat array, whose gradients g[0, count) are
  // complete.
  void update(std::size_t begin, std::size_t count, float* g) const {
    float* params = job->params + begin;
    float* slots[kMaxOptimizerSlots] = {nullptr, nullptr};
    for (int s = 0; s < kMaxOptimizerSlots; ++s) {
      if (job->slots[s]) slots[s] = job->slots[s] + begin;
    }
    if (l1 != 0.0f || l2 != 0.0f) add_penalty_gradients(params, g, 0, count, l1, l2);
    if (job->clip_value > 0.0f) clamp_gradients(g, 0, count, job->clip_value);
    if (!optimizer_update(isa, job->optimizer, *constants, params, g, slots, 0, count)) {
      finite->store(false, std::memory_order_relaxed);
    }
  }
};

// The epilogues the products run on each finished block of C (gemm.h): element-wise, so a
// block's result is the same as a whole-matrix pass's.
struct ForwardEpilogue {
  Isa isa;
  const LayerSpec* layer;
  const float* z;
  float* a;
  std::size_t n;
  static void apply(const void* context, std::size_t i0, std::size_t j0, std::size_t rows,
                    std::size_t cols, float*, std::size_t) {
    const auto& e = *static_cast<const ForwardEpilogue*>(context);
    if (j0 == 0 && cols == e.n) {  // whole rows: one contiguous block, one call
      activation_forward(e.isa, e.layer->activation, e.layer->leaky_slope, e.z + i0 * e.n,
                         e.a + i0 * e.n, rows, cols);
      return;
    }
    for (std::size_t r = i0; r < i0 + rows; ++r) {
      activation_forward(e.isa, e.layer->activation, e.layer->leaky_slope, e.z + r * e.n + j0,
                         e.a + r * e.n + j0, 1, cols);
    }
  }
};

struct BackwardEpilogue {
  Isa isa;
  const LayerSpec* layer;  // the layer below, whose f' turns δ·Wᵀ into its δ
  float* delta;
  const float* mask;       // its dropout mask, or null
  const float* z;
  const float* a;
  std::size_t n;
  static void apply(const void* context, std::size_t i0, std::size_t j0, std::size_t rows,
                    std::size_t cols, float*, std::size_t) {
    const auto& e = *static_cast<const BackwardEpilogue*>(context);
    if (j0 == 0 && cols == e.n) {  // whole rows: one contiguous block, one call
      const std::size_t at = i0 * e.n, count = rows * cols;
      if (e.mask) {
        for (std::size_t j = 0; j < count; ++j) e.delta[at + j] *= e.mask[at + j];
      }
      activation_backward(e.isa, e.layer->activation, e.layer->leaky_slope, e.z + at, e.a + at,
                          e.delta + at, rows, cols);
      return;
    }
    for (std::size_t r = i0; r < i0 + rows; ++r) {
      const std::size_t at = r * e.n + j0;
      if (e.mask) {
        for (std::size_t j = 0; j < cols; ++j) e.delta[at + j] *= e.mask[at + j];
      }
      activation_backward(e.isa, e.layer->activation, e.layer->leaky_slope, e.z + at, e.a + at,
                          e.delta + at, 1, cols);
    }
  }
};

}  // namespace

std::size_t batches_per_epoch(std::size_t epoch_rows, std::size_t batch_size) {
  return batch_size == 0 ? 0 : (epoch_rows + batch_size - 1) / batch_size;
}

Mlp::Mlp(ModelSpec spec, Isa isa, ThreadPool* pool)
    : spec_(std::move(spec)),
      gemm_(isa, pool),
      z_(spec_.layers.size()),
      a_(spec_.layers.size()),
      mask_(spec_.layers.size()),
      dropped_(spec_.layers.size()),
      dropout_on_(spec_.layers.size(), false),
      ahead_(kAheadChunks * spec_.layers[0].units) {
  // The last layer keeps z: the losses read it (log-softmax, logits).
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    z_is_a_.push_back(l + 1 < spec_.layers.size() &&
                      derivative_from_output(layer.activation, layer.leaky_slope));
  }
}

template <typename Fn>
void Mlp::parallel_range(std::size_t n, std::size_t min_per_thread, const Fn& fn) {
  ThreadPool* pool = gemm_.pool();
  const std::size_t threads = pool ? std::size_t(pool->size()) : 1;
  const std::size_t chunks = std::max<std::size_t>(1, std::min(threads, n / std::max<std::size_t>(1, min_per_thread)));
  if (chunks == 1) {
    fn(std::size_t(0), n);
    return;
  }
  // Chunk bounds depend on n and the chunk count only; every pass split this way is
  // element-wise (or per row / per column), so the result does not depend on the split.
  pool->parallel_for(chunks, [&](std::size_t task, int) { fn(n * task / chunks, n * (task + 1) / chunks); });
}

std::size_t Mlp::workspace_bytes() const {
  std::size_t floats = delta_.capacity() + delta_prev_.capacity() + batch_x_.capacity() +
                       batch_t_.capacity() + batch_labels_.capacity();
  for (const auto* set : {&z_, &a_, &mask_, &dropped_}) {
    for (const std::vector<float>& v : *set) floats += v.capacity();
  }
  return floats * sizeof(float) + gemm_.workspace_bytes();
}

void Mlp::reserve(std::size_t rows) {
  if (rows <= capacity_) return;
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    const std::size_t size = rows * spec_.layers[l].units;
    if (!z_is_a_[l]) z_[l].resize(size);
    a_[l].resize(size);
    if (spec_.layers[l].dropout > 0) {
      mask_[l].resize(size);
      dropped_[l].resize(size);
    }
  }
  delta_.resize(rows * spec_.widest_layer());
  delta_prev_.resize(rows * spec_.widest_layer());
  batch_x_.resize(rows * spec_.input_size());
  batch_t_.resize(rows * spec_.output_size());
  batch_labels_.resize(rows);
  capacity_ = rows;
}

template <typename Fn>
void Mlp::for_each_ahead_chunk(const Fn& fn) {
  const std::size_t in = spec_.layers[0].inputs, n = spec_.layers[0].units;
  auto chunk = [&](std::size_t c, int) { fn(c, in * c / kAheadChunks, in * (c + 1) / kAheadChunks); };
  ThreadPool* pool = gemm_.pool();
  if (pool && pool->size() > 1 && in * n >= 2 * kMinElementsPerThread) {
    pool->parallel_for(kAheadChunks, chunk);
  } else {
    for (std::size_t c = 0; c < kAheadChunks; ++c) chunk(c, 0);
  }
}

void Mlp::layer0_ahead(const float* params, const float* x, float* z) {
  const std::size_t n = spec_.layers[0].units;
  float* acc = ahead_.data();
  if (!ahead_ready_) {
    std::fill(ahead_.begin(), ahead_.end(), 0.0f);
    const float* w = params + spec_.weights_offset(0);
    for_each_ahead_chunk([&](std::size_t c, std::size_t r0, std::size_t r1) {
      accumulate_rows(gemm_.isa(), x, w, r0, r1, n, acc + c * n);
    });
  }
  ahead_ready_ = false;
  const float* b = params + spec_.bias_offset(0);
  for (std::size_t j = 0; j < n; ++j) {
    float sum = acc[j];
    for (std::size_t c = 1; c < kAheadChunks; ++c) sum += acc[c * n + j];
    z[j] = sum + b[j];
  }
}

void Mlp::forward(const float* params, const float* x, std::size_t rows, std::int64_t dropout_step,
                  bool ahead) {
  const float* input = x;
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    const float* w = params + spec_.weights_offset(l);
    const float* b = params + spec_.bias_offset(l);
    const std::size_t n = layer.units;
    float* z = z_of(l);
    float* a = a_[l].data();
    // z = input·W + b, the bias added in the product's write-back and, but for softmax (which
    // needs whole rows), a = f(z) applied to each block as it is finished.
    const ForwardEpilogue fused{gemm_.isa(), &layer, z, a, n};
    const Epilogue epilogue{&ForwardEpilogue::apply, &fused};
    const bool row_wise = layer.activation == Activation::kSoftmax;
    if (l == 0 && ahead && rows == 1) {
      layer0_ahead(params, input, z);
      activation_forward(gemm_.isa(), layer.activation, layer.leaky_slope, z, a, 1, n);
    } else {
      gemm_.sgemm(Trans::kNo, Trans::kNo, rows, n, layer.inputs, 1.0f, input, layer.inputs, w, n,
                  0.0f, z, n, b, row_wise ? nullptr : &epilogue);
      if (row_wise) {
        parallel_range(rows, kMinElementsPerThread / n + 1, [&](std::size_t r0, std::size_t r1) {
          activation_forward(gemm_.isa(), layer.activation, layer.leaky_slope, z + r0 * n, a + r0 * n, r1 - r0, n);
        });
      }
    }
    input = a;
    dropout_on_[l] = dropout_step > 0 && layer.dropout > 0;
    if (dropout_on_[l]) {
      // Inverted dropout. One generator per (step, layer), drawn in row-major order: the same
      // masks as the reference's, whatever the batching or thread count.
      Random random(dropout_seed(spec_.dropout_seed, dropout_step, l));
      const double threshold = layer.dropout * 4294967296.0;
      const float keep_scale = float(1.0 / (1.0 - layer.dropout));
      float* mask = mask_[l].data();
      float* dropped = dropped_[l].data();
      for (std::size_t i = 0; i < rows * n; ++i) {
        mask[i] = double(random.next_uint32()) < threshold ? 0.0f : keep_scale;
        dropped[i] = a[i] * mask[i];
      }
      input = dropped;
    }
  }
}

double Mlp::penalty(const float* params) const {
  double sum = 0;
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    if (layer.l1 == 0.0f && layer.l2 == 0.0f) continue;
    const float* w = params + spec_.weights_offset(l);
    double abs_sum = 0, square_sum = 0;
    for (std::size_t i = 0; i < layer.inputs * layer.units; ++i) {
      abs_sum += std::fabs(double(w[i]));
      square_sum += double(w[i]) * double(w[i]);
    }
    sum += double(layer.l1) * abs_sum + double(layer.l2) * square_sum;
  }
  return sum;
}

double Mlp::add_penalties(const float* params, float* grads) {
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    if (layer.l1 == 0.0f && layer.l2 == 0.0f) continue;
    const float* w = params + spec_.weights_offset(l);
    float* dw = grads + spec_.weights_offset(l);
    parallel_range(layer.inputs * layer.units, kMinElementsPerThread, [&](std::size_t i0, std::size_t i1) {
      add_penalty_gradients(w, dw, i0, i1, layer.l1, layer.l2);
    });
  }
  return penalty(params);
}

double Mlp::backward(const float* params, const float* x, const Targets& targets,
                     std::size_t rows, float* grads, FusedUpdate* fused) {
  const std::size_t last = spec_.layers.size() - 1;
  double loss = loss_and_delta(gemm_.isa(), spec_.loss, spec_.layers[last], z_of(last), a_[last].data(),
                               targets, rows, delta_.data(), spec_.huber_delta);
  if (fused) {
    // The penalty of the weights as they are, and no update at all after a non-finite loss.
    if (has_penalty(spec_)) loss += penalty(params);
    if (!std::isfinite(loss)) return loss;
  }
  for (std::size_t l = last + 1; l-- > 0;) {
    const LayerSpec& layer = spec_.layers[l];
    const std::size_t n = layer.units;
    const float* input = l == 0 ? x : (dropout_on_[l - 1] ? dropped_[l - 1].data() : a_[l - 1].data());
    const float* delta = delta_.data();
    if (l > 0 && fused && !fused->in_products) {
      // δ_l·W_lᵀ is formed row by row inside the update pass (RowGradient::back), from each row
      // of W_l just before it is updated; the mask and f' follow once every row is done.
      fused_update(l, input, rows, *fused, delta_prev_.data());
      derivative_below(l, 0, rows);
      std::swap(delta_, delta_prev_);
      continue;
    }
    if (l > 0) {
      // δ_{l−1} = (δ_l·W_lᵀ) ⊙ dropout mask ⊙ f'(z_{l−1}), from W_l before any update.
      const LayerSpec& below = spec_.layers[l - 1];
      const std::size_t m = below.units;
      const float* w = params + spec_.weights_offset(l);
      float* prev = delta_prev_.data();
      const float* mask = dropout_on_[l - 1] ? mask_[l - 1].data() : nullptr;
      const float* z = z_of(l - 1);
      const float* a = a_[l - 1].data();
      // f' (and the dropout mask) applied to each block of δ·Wᵀ as the product finishes it, but
      // for softmax, whose Jacobian mixes a whole row.
      const BackwardEpilogue fused{gemm_.isa(), &below, prev, mask, z, a, m};
      const Epilogue epilogue{&BackwardEpilogue::apply, &fused};
      const bool row_wise = below.activation == Activation::kSoftmax;
      gemm_.sgemm(Trans::kNo, Trans::kYes, rows, m, n, 1.0f, delta, n, w, n, 0.0f, prev, m, nullptr,
                  row_wise ? nullptr : &epilogue);
      if (row_wise) {
        parallel_range(rows, kMinElementsPerThread / m + 1,
                       [&](std::size_t r0, std::size_t r1) { derivative_below(l, r0, r1); });
      }
    }
    if (fused && !fused->in_products) {
      fused_update(l, input, rows, *fused, nullptr);
    } else if (fused) {
      // ∂L/∂W = inputᵀ·δ as below, each block updated by the product's epilogue as it is
      // finished; then the bias, whose gradient Σ_rows δ is complete once the product is done.
      // Split by rows, so that blocks are whole rows of W: split by columns (the cost model's
      // pick for 512×64·64×256), two threads updated halves of the same rows, and that layer's
      // update took about twice as long per parameter (2.2 against 1.2 ns, timed in the epilogue).
      const std::size_t w_offset = spec_.weights_offset(l), b_offset = spec_.bias_offset(l);
      std::atomic<bool> finite{true};
      const UpdateEpilogue weights{gemm_.isa(), fused->job, &fused->constants, w_offset, n,
                                   layer.l1, layer.l2, &finite};
      // ∂L/∂W itself is not kept (c_scratch): writing it to grads, 2.1 MB for 784-512-256-10,
      // fetched its lines from L3 or memory every step only to overwrite them. Without that,
      // batches of 8 trained 1.18–1.23× as fast, 16 1.06–1.16×, 64 1.00–1.10×, 256 1.00–1.04× (1
      // and 2 threads; bench/compare-builds.mjs, 15 rounds; batch 1024, which needs two k blocks
      // and so still writes grads, read 1.00–1.08× in the same runs).
      const Epilogue epilogue{&UpdateEpilogue::apply, &weights, /*by_rows=*/true,
                              /*c_scratch=*/true};
      gemm_.sgemm(Trans::kYes, Trans::kNo, layer.inputs, n, rows, 1.0f, input, layer.inputs, delta, n,
                  0.0f, grads + w_offset, n, nullptr, &epilogue, grads + b_offset);
      const UpdateEpilogue bias{gemm_.isa(), fused->job, &fused->constants, b_offset, n, 0.0f, 0.0f,
                                &finite};
      bias.update(b_offset, n, grads + b_offset);
      if (!finite.load()) fused->finite = false;
    } else {
      float* dw = grads + spec_.weights_offset(l);
      float* db = grads + spec_.bias_offset(l);
      // ∂L/∂W = inputᵀ·δ (input read transposed in place), and ∂L/∂b = Σ_rows δ, each column
      // summed in row order by the product as it packs δ.
      gemm_.sgemm(Trans::kYes, Trans::kNo, layer.inputs, n, rows, 1.0f, input, layer.inputs, delta, n,
                  0.0f, dw, n, nullptr, nullptr, db);
    }
    if (l > 0) std::swap(delta_, delta_prev_);
  }
  if (!fused && has_penalty(spec_)) loss += add_penalties(params, grads);
  return loss;
}

void Mlp::derivative_below(std::size_t l, std::size_t r0, std::size_t r1) {
  const LayerSpec& below = spec_.layers[l - 1];
  const std::size_t m = below.units;
  float* prev = delta_prev_.data();
  if (dropout_on_[l - 1]) {
    const float* mask = mask_[l - 1].data();
    for (std::size_t i = r0 * m; i < r1 * m; ++i) prev[i] *= mask[i];
  }
  activation_backward(gemm_.isa(), below.activation, below.leaky_slope, z_of(l - 1) + r0 * m,
                      a_[l - 1].data() + r0 * m, prev + r0 * m, r1 - r0, m);
}

void Mlp::fused_update(std::size_t l, const float* input, std::size_t rows, FusedUpdate& fused,
                       float* back) {
  const LayerSpec& layer = spec_.layers[l];
  const TrainJob& job = *fused.job;
  const std::size_t in = layer.inputs, n = layer.units;
  const std::size_t w_offset = spec_.weights_offset(l);  // bias_offset(l) = w_offset + in·n: row `in`
  const Isa isa = gemm_.isa();
  std::atomic<bool> finite{true};
  // Rows [i0, i1) of W, where row `in` is the bias (it follows W in the flat layout); with
  // `ahead_acc`, also the next step's partial sum of x·W over those rows (layer0_ahead).
  auto run = [&](std::size_t i0, std::size_t i1, float* ahead_acc) {
    RowGradient row;
    row.input = input;
    row.input_stride = in;
    row.bias_row = in;
    row.rows = rows;
    row.delta = delta_.data();
    row.n = n;
    row.l1 = layer.l1;
    row.two_l2 = 2.0f * layer.l2;
    row.clip = job.clip_value;
    row.back = back;
    row.back_stride = in;
    row.ahead_x = ahead_acc ? ahead_x_ : nullptr;
    row.ahead_acc = ahead_acc;
    // Each row's slots sit at the same offset as its parameters. One call for W's rows and the
    // bias: two calls per layer were measurable at XOR's sizes (4 and 1 units).
    float* slots[kMaxOptimizerSlots] = {nullptr, nullptr};
    for (int s = 0; s < kMaxOptimizerSlots; ++s) {
      if (job.slots[s]) slots[s] = job.slots[s] + w_offset;
    }
    if (!optimizer_update_rows(isa, job.optimizer, fused.constants, row, i0, i1,
                               job.params + w_offset, slots)) {
      finite.store(false, std::memory_order_relaxed);
    }
  };
  if (l == 0 && ahead_x_) {
    // Split as layer0_ahead's partial sums are, whatever the thread count; the last chunk
    // takes the bias.
    std::fill(ahead_.begin(), ahead_.end(), 0.0f);
    for_each_ahead_chunk([&](std::size_t c, std::size_t r0, std::size_t r1) {
      run(r0, c + 1 == kAheadChunks ? in + 1 : r1, ahead_.data() + c * n);
    });
    ahead_ready_ = true;
  } else {
    // Rows per thread: enough elements to be worth a wake-up (a 10-unit layer stays on one thread).
    const std::size_t min_rows = std::max<std::size_t>(16, kMinElementsPerThread / n);
    parallel_range(in + 1, min_rows, [&](std::size_t i0, std::size_t i1) { run(i0, i1, nullptr); });
  }
  if (!finite.load()) fused.finite = false;
}

void Mlp::predict(const float* params, const float* x, std::size_t rows, float* out) {
  const FlushSubnormals flush;  // float_mode.h
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
  const FlushSubnormals flush;  // float_mode.h
  reserve(rows);
  forward(params, x, rows);
  return backward(params, x, targets, rows, grads);
}

Mlp::Evaluation Mlp::evaluate(const float* params, const float* x, const Targets& targets,
                              std::size_t rows, std::size_t chunk_rows) {
  const FlushSubnormals flush;  // float_mode.h
  const std::size_t in = spec_.input_size(), n = spec_.output_size();
  const bool labels = uses_labels(spec_.loss);
  chunk_rows = std::max<std::size_t>(1, chunk_rows);
  reserve(std::min(rows, chunk_rows));
  Evaluation result;
  const std::size_t last = spec_.layers.size() - 1;
  for (std::size_t start = 0; start < rows; start += chunk_rows) {
    const std::size_t count = std::min(chunk_rows, rows - start);
    forward(params, x + start * in, count);
    Targets chunk;
    if (labels) chunk.labels = targets.labels + start;
    else chunk.values = targets.values + start * n;
    result.loss_sum += loss_value(spec_.loss, z_of(last), a_[last].data(), chunk, count, n,
                                  spec_.huber_delta) *
                       double(count);
    result.metric += metric_sum(spec_.loss, a_[last].data(), chunk, count, n);
  }
  result.penalty = has_penalty(spec_) ? penalty(params) : 0.0;
  return result;
}

TrainOutcome Mlp::train(const TrainJob& job) {
  const FlushSubnormals flush;  // float_mode.h
  const std::size_t in = spec_.input_size(), n = spec_.output_size();
  const bool labels = uses_labels(spec_.loss);
  const std::size_t count = spec_.parameter_count();
  const std::size_t per_epoch = batches_per_epoch(job.epoch_rows, job.batch_size);
  reserve(std::min(job.batch_size, job.epoch_rows));
  if (job.rollback_params) {
    std::memcpy(job.rollback_params, job.params, count * sizeof(float));
    for (int s = 0; s < optimizer_slot_count(job.optimizer); ++s) {
      std::memcpy(job.rollback_slots[s], job.slots[s], count * sizeof(float));
    }
  }
  // Batch size 1 without a global norm clip: every step takes the fused path with one row, and
  // each step's update of W_0 also starts the next step's layer-0 product (layer0_ahead).
  const bool ahead = job.batch_size == 1 && job.clip_norm == 0.0f;
  ahead_ready_ = false;  // the parameters may have changed since the last job
  // Short steps on a pool run on all threads or on one, whichever the clock says is faster
  // (thread_choice.h); the job ends on all threads, however it ends.
  const bool choose_threads = job.batch_size <= kChooseThreadsMaxRows && gemm_.pool() && gemm_.pool()->size() > 1;
  ThreadChoice choice;
  struct AllThreadsAtExit {
    Gemm& gemm;
    ~AllThreadsAtExit() { gemm.set_single_thread(false); }
  } all_threads_at_exit{gemm_};
  TrainOutcome outcome;
  for (std::size_t i = 0; i < job.batch_count; ++i) {
    if (choose_threads) gemm_.set_single_thread(choice.single_thread(i));
    if (job.cancel && job.cancel->load(std::memory_order_relaxed)) {
      outcome.reason = StopReason::kCancelled;
      return outcome;
    }
    const std::size_t batch = job.first_batch + i;
    const std::int64_t step = job.first_step + std::int64_t(i);
    const std::size_t epoch = batch / per_epoch, b = batch % per_epoch;
    const std::uint32_t* order = job.order + epoch * job.epoch_rows;
    const std::size_t start = b * job.batch_size;
    const std::size_t rows = std::min(job.batch_size, job.epoch_rows - start);
    // The batch's rows, read in place when they are consecutive rows of x (an unshuffled
    // epoch: XOR's 4-row steps spent 4% of their time copying); otherwise gathered into
    // contiguous buffers for the products (split over the threads when big enough).
    const std::size_t first = order[start];
    bool consecutive = true;  // (the binding checked every entry of order against x's rows)
    for (std::size_t r = 1; consecutive && r < rows; ++r) {
      consecutive = order[start + r] == first + r;
    }
    const float* x = job.x + first * in;
    Targets batch_targets;
    if (consecutive) {
      if (labels) batch_targets.labels = job.targets.labels + first;
      else batch_targets.values = job.targets.values + first * n;
    } else {
      parallel_range(rows, kMinElementsPerThread / in + 1, [&](std::size_t r0, std::size_t r1) {
        for (std::size_t r = r0; r < r1; ++r) {
          const std::size_t src = order[start + r];
          std::copy(job.x + src * in, job.x + (src + 1) * in, batch_x_.data() + r * in);
          if (labels) batch_labels_[r] = job.targets.labels[src];
          else std::copy(job.targets.values + src * n, job.targets.values + (src + 1) * n,
                         batch_t_.data() + r * n);
        }
      });
      x = batch_x_.data();
      if (labels) batch_targets.labels = batch_labels_.data();
      else batch_targets.values = batch_t_.data();
    }

    forward(job.params, x, rows, step, ahead);
    job.batch_metric[i] = metric_sum(spec_.loss, a_.back().data(), batch_targets, rows, n);
    const float lr = job.learning_rates ? job.learning_rates[i] : job.optimizer.learning_rate;
    if (job.clip_norm == 0.0f) {
      // The update inside the backward pass (FusedUpdate, mlp.h).
      FusedUpdate fused{&job, step_constants(job.optimizer, lr, step)};
      fused.in_products = rows > kFusedMaxRows;
      if (ahead && i + 1 < job.batch_count) {
        const std::size_t next = batch + 1;  // batch size 1: batch b of an epoch is its row b
        ahead_x_ = job.x + std::size_t(job.order[next / per_epoch * job.epoch_rows + next % per_epoch]) * in;
      }
      const double loss = backward(job.params, x, batch_targets, rows, job.grads, &fused);
      ahead_x_ = nullptr;
      job.batch_loss[i] = loss;
      if (!std::isfinite(loss)) {
        outcome.reason = StopReason::kNonFiniteLoss;  // nothing was updated
        return outcome;
      }
      outcome.batches_done = i + 1;
      if (!fused.finite) {
        outcome.reason = StopReason::kNonFiniteWeights;
        return outcome;
      }
      continue;
    }
    // A global norm clip: every gradient first, then their norm, then one update pass.
    const double loss = backward(job.params, x, batch_targets, rows, job.grads);
    job.batch_loss[i] = loss;
    if (!std::isfinite(loss)) {
      outcome.reason = StopReason::kNonFiniteLoss;  // this batch's update is not applied
      return outcome;
    }
    if (job.clip_value > 0.0f) {
      const float c = job.clip_value;
      parallel_range(count, kMinElementsPerThread, [&](std::size_t i0, std::size_t i1) {
        clamp_gradients(job.grads, i0, i1, c);
      });
    }
    if (job.clip_norm > 0.0f) {
      // The global L2 norm, summed in one fixed order (deterministic); PyTorch's clip_grad_norm_.
      double squares = 0;
      for (std::size_t k = 0; k < count; ++k) squares += double(job.grads[k]) * double(job.grads[k]);
      const double scale = double(job.clip_norm) / (std::sqrt(squares) + 1e-6);
      if (scale < 1.0) {
        const float s = float(scale);
        parallel_range(count, kMinElementsPerThread, [&](std::size_t i0, std::size_t i1) {
          for (std::size_t k = i0; k < i1; ++k) job.grads[k] *= s;
        });
      }
    }
    std::atomic<bool> finite{true};
    const StepConstants constants = step_constants(job.optimizer, lr, step);
    parallel_range(count, kMinElementsPerThread, [&](std::size_t i0, std::size_t i1) {
      if (!optimizer_update(gemm_.isa(), job.optimizer, constants, job.params, job.grads, job.slots, i0, i1)) {
        finite.store(false, std::memory_order_relaxed);
      }
    });
    outcome.batches_done = i + 1;
    if (!finite.load()) {
      outcome.reason = StopReason::kNonFiniteWeights;
      return outcome;
    }
  }
  return outcome;
}

}  // namespace fastprop::core
