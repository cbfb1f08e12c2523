// SPDX-License-Identifier: MIT
// Parameter updates, one pass over the flat parameter buffer per step.
//
//   SGD (PyTorch's form):  v ← μ·v + g;   θ ← θ − η·v      (μ = 0: θ ← θ − η·g, no state)
//
// Optimizer state lives in caller-owned "slots", each a buffer the size of the parameters
// (SGD with momentum: one slot, the velocity v). Adam and the rest add kinds and slots here
// without touching the model code.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fastprop::core {

enum class OptimizerKind { kSgd };

constexpr int kMaxOptimizerSlots = 2;

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kSgd;
  float learning_rate = 0.01f;
  float momentum = 0.0f;
};

// How many state slots the optimizer needs.
int optimizer_slot_count(const OptimizerSpec& spec);

// Applies one update. `step` counts from 1 (for bias-corrected optimizers).
void optimizer_update(const OptimizerSpec& spec, float* params, const float* grads,
                      float* const* slots, std::size_t count, std::int64_t step);

}  // namespace fastprop::core
