// SPDX-License-Identifier: MIT
// Parameter updates, one pass over the flat parameter buffer per step. The rules follow
// PyTorch's implementations (g is the gradient, t the step counted from 1, η the learning rate):
//
//   SGD         v ← μ·v + g;  d = nesterov ? g + μ·v : v;  θ ← θ − η·d       (μ = 0: θ ← θ − η·g)
//   Adam        m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
//               θ ← θ − η·m̂ / (√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)     (Kingma & Ba 2015)
//   AdamW       θ ← θ·(1 − η·λ), then the Adam step                        (Loshchilov & Hutter 2019)
//   RMSprop     s ← α·s + (1−α)g²;  μ = 0: θ ← θ − η·g/(√s + ε);
//               else b ← μ·b + g/(√s + ε), θ ← θ − η·b
//   Adagrad     s ← s + g²;  θ ← θ − η·g/(√s + ε)
//
// State lives in caller-owned "slots", each a buffer the size of the parameters, in the order
// listed by optimizer_slot_count's comment.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dispatch.h"

namespace fastprop::core {

enum class OptimizerKind { kSgd, kAdam, kAdamW, kRmsprop, kAdagrad };

constexpr int kMaxOptimizerSlots = 2;

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kSgd;
  float learning_rate = 0.01f;
  float momentum = 0.0f;      // SGD, RMSprop
  bool nesterov = false;      // SGD
  // β₁, β₂ and α stay in double so that their complements are formed as PyTorch forms them:
  // 1 − 0.999 = 0.001 in float32, where 1 − 0.999f would be 0.00099998713.
  double beta1 = 0.9;         // Adam, AdamW
  double beta2 = 0.999;       // Adam, AdamW
  double rho = 0.99;          // RMSprop's α
  float epsilon = 1e-8f;      // Adam, AdamW, RMSprop, Adagrad
  float weight_decay = 0.0f;  // AdamW's decoupled λ
};

// Slots: SGD [velocity if μ ≠ 0]; Adam/AdamW [m, v]; RMSprop [s, momentum buffer if μ ≠ 0];
// Adagrad [s].
int optimizer_slot_count(const OptimizerSpec& spec);

// What a step's update needs beyond the spec: the learning rate (a schedule may vary it from
// spec.learning_rate) and, for Adam/AdamW, the bias corrections of step t (counted from 1),
// computed once per step rather than once per row.
struct StepConstants {
  float lr = 0.0f;
  float step_size = 0.0f;  // Adam: η / (1 − β₁ᵗ)
  float v_scale = 1.0f;    // Adam: 1 / √(1 − β₂ᵗ)
  float decay = 1.0f;      // AdamW: 1 − η·λ
};
StepConstants step_constants(const OptimizerSpec& spec, float lr, std::int64_t step);

// The rows of ∂L/∂W for a batch of `rows` rows, formed on the fly: row i is
// Σ_r input[r·input_stride + i]·δ[r] (+ the L1/L2 penalties' gradient of the row's current
// weights), but row `bias_row` is the bias's gradient Σ_r δ[r] (no penalty). In the flat layout
// the bias follows W's last row, so one call covers a layer's W and bias with bias_row = its
// number of inputs. Each element is then clipped to ±clip when clip > 0.
// With `back`, the same pass also forms the backward product δ·Wᵀ of the layer below: before
// row i of W is updated, back[r·back_stride + i] = Σ_j W[i][j]·δ[r][j] (its f' not applied).
// Row i is in L1 for its update by then, so the product costs no pass over W of its own.
struct RowGradient {
  const float* input = nullptr;
  std::size_t input_stride = 0;
  std::size_t bias_row = static_cast<std::size_t>(-1);  // none unless set: never a real row
  std::size_t rows = 0;
  const float* delta = nullptr;  // rows × n
  std::size_t n = 0;
  float l1 = 0.0f, two_l2 = 0.0f, clip = 0.0f;
  float* back = nullptr;  // rows × back_stride, or null
  std::size_t back_stride = 0;
  // With `ahead_acc` (batch size 1 only), the next step's forward product for this layer starts
  // in the same pass over W: once row i holds its new values, ahead_x[i]·(row i) is added into
  // the n floats of ahead_acc (accumulate_rows, in row order). Not for the bias row.
  const float* ahead_x = nullptr;
  float* ahead_acc = nullptr;
};

// Applies one update to params[begin, end) with the element-wise code compiled for `isa`.
// Returns false when an updated parameter is NaN or ±Inf (checked in the same pass, at no extra
// memory traffic).
bool optimizer_update(Isa isa, const OptimizerSpec& spec, const StepConstants& k, float* params,
                      const float* grads, float* const* slots, std::size_t begin, std::size_t end);

// acc[0, n) += Σ_{i ∈ [i0, i1)} x[i]·w[i·n + j], the rows added one after the other in order, by
// the same compiled code as RowGradient::ahead_acc: a partial sum of x·W started here and one
// started in an update pass over the same rows give the same bits.
void accumulate_rows(Isa isa, const float* x, const float* w, std::size_t i0, std::size_t i1,
                     std::size_t n, float* acc);

// Updates rows [i0, i1) of a layer, forming each element's gradient just as it is applied (it is
// never stored): `params` and `slots` point at the layer's row 0.
// Returns false as optimizer_update does.
bool optimizer_update_rows(Isa isa, const OptimizerSpec& spec, const StepConstants& k,
                           const RowGradient& row, std::size_t i0, std::size_t i1, float* params,
                           float* const* slots);

}  // namespace fastprop::core
