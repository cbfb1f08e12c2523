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

namespace fastprop::core {

enum class OptimizerKind { kSgd, kAdam, kAdamW, kRmsprop, kAdagrad };

constexpr int kMaxOptimizerSlots = 2;

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kSgd;
  float learning_rate = 0.01f;
  float momentum = 0.0f;      // SGD, RMSprop
  bool nesterov = false;      // SGD
  float beta1 = 0.9f;         // Adam, AdamW
  float beta2 = 0.999f;       // Adam, AdamW
  float rho = 0.99f;          // RMSprop's α
  float epsilon = 1e-8f;      // Adam, AdamW, RMSprop, Adagrad
  float weight_decay = 0.0f;  // AdamW's decoupled λ
};

// Slots: SGD [velocity if μ ≠ 0]; Adam/AdamW [m, v]; RMSprop [s, momentum buffer if μ ≠ 0];
// Adagrad [s].
int optimizer_slot_count(const OptimizerSpec& spec);

// Applies one update to params[begin, end) with learning rate `lr` (a schedule may vary it from
// spec.learning_rate). `step` counts from 1 (bias correction). Returns false when an updated
// parameter is NaN or ±Inf (checked in the same pass, at no extra memory traffic).
bool optimizer_update(const OptimizerSpec& spec, float lr, float* params, const float* grads,
                      float* const* slots, std::size_t begin, std::size_t end, std::int64_t step);

}  // namespace fastprop::core
