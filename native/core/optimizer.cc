// SPDX-License-Identifier: MIT
#include "optimizer.h"

namespace fastprop::core {

int optimizer_slot_count(const OptimizerSpec& spec) {
  switch (spec.kind) {
    case OptimizerKind::kSgd: return spec.momentum != 0.0f ? 1 : 0;
  }
  return 0;
}

void optimizer_update(const OptimizerSpec& spec, float* params, const float* grads,
                      float* const* slots, std::size_t count, std::int64_t /*step*/) {
  switch (spec.kind) {
    case OptimizerKind::kSgd: {
      const float lr = spec.learning_rate;
      if (spec.momentum == 0.0f) {
        for (std::size_t i = 0; i < count; ++i) params[i] -= lr * grads[i];
        return;
      }
      const float mu = spec.momentum;
      float* velocity = slots[0];
      for (std::size_t i = 0; i < count; ++i) {
        velocity[i] = mu * velocity[i] + grads[i];
        params[i] -= lr * velocity[i];
      }
      return;
    }
  }
}

}  // namespace fastprop::core
