// SPDX-License-Identifier: MIT
#include "optimizer.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace fastprop::core {

int optimizer_slot_count(const OptimizerSpec& spec) {
  switch (spec.kind) {
    case OptimizerKind::kSgd: return spec.momentum != 0.0f ? 1 : 0;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: return 2;
    case OptimizerKind::kRmsprop: return spec.momentum != 0.0f ? 2 : 1;
    case OptimizerKind::kAdagrad: return 1;
  }
  return 0;
}

namespace {

// Each rule returns the OR over its range of `non_finite(θ')`: nonzero when some new θ' is NaN or
// ±Inf. An integer OR is associative, so the check vectorises with the update; a float
// accumulation would not (without fast-math) and would drag the whole loop down to scalar code.
inline std::uint32_t non_finite(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;  // exponent all ones: Inf or NaN
}

std::uint32_t sgd(const OptimizerSpec& spec, float lr, float* p, const float* g, float* const* slots,
          std::size_t begin, std::size_t end) {
  const float mu = spec.momentum;
  std::uint32_t check = 0;
  if (mu == 0.0f) {
    for (std::size_t i = begin; i < end; ++i) {
      p[i] -= lr * g[i];
      check |= non_finite(p[i]);
    }
    return check;
  }
  float* v = slots[0];
  if (spec.nesterov) {
    for (std::size_t i = begin; i < end; ++i) {
      v[i] = mu * v[i] + g[i];
      p[i] -= lr * (g[i] + mu * v[i]);
      check |= non_finite(p[i]);
    }
  } else {
    for (std::size_t i = begin; i < end; ++i) {
      v[i] = mu * v[i] + g[i];
      p[i] -= lr * v[i];
      check |= non_finite(p[i]);
    }
  }
  return check;
}

std::uint32_t adam(const OptimizerSpec& spec, float lr, float* p, const float* g, float* const* slots,
           std::size_t begin, std::size_t end, std::int64_t step) {
  const float b1 = spec.beta1, b2 = spec.beta2, eps = spec.epsilon;
  // Bias corrections in double: β₂ᵗ is close to 1 for thousands of steps.
  const double t = double(step);
  const float step_size = float(double(lr) / (1.0 - std::pow(double(b1), t)));
  const float v_scale = float(1.0 / std::sqrt(1.0 - std::pow(double(b2), t)));
  const float decay = spec.kind == OptimizerKind::kAdamW ? 1.0f - lr * spec.weight_decay : 1.0f;
  float* m = slots[0];
  float* v = slots[1];
  std::uint32_t check = 0;
  for (std::size_t i = begin; i < end; ++i) {
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    // η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), √v̂ = √v/√(1−β₂ᵗ): PyTorch's arrangement.
    p[i] = p[i] * decay - step_size * m[i] / (std::sqrt(v[i]) * v_scale + eps);
    check |= non_finite(p[i]);
  }
  return check;
}

std::uint32_t rmsprop(const OptimizerSpec& spec, float lr, float* p, const float* g, float* const* slots,
              std::size_t begin, std::size_t end) {
  const float rho = spec.rho, eps = spec.epsilon, mu = spec.momentum;
  float* s = slots[0];
  std::uint32_t check = 0;
  for (std::size_t i = begin; i < end; ++i) {
    s[i] = rho * s[i] + (1.0f - rho) * g[i] * g[i];
    const float scaled = g[i] / (std::sqrt(s[i]) + eps);
    if (mu == 0.0f) {
      p[i] -= lr * scaled;
    } else {
      slots[1][i] = mu * slots[1][i] + scaled;
      p[i] -= lr * slots[1][i];
    }
    check |= non_finite(p[i]);
  }
  return check;
}

std::uint32_t adagrad(const OptimizerSpec& spec, float lr, float* p, const float* g, float* const* slots,
              std::size_t begin, std::size_t end) {
  const float eps = spec.epsilon;
  float* s = slots[0];
  std::uint32_t check = 0;
  for (std::size_t i = begin; i < end; ++i) {
    s[i] += g[i] * g[i];
    p[i] -= lr * g[i] / (std::sqrt(s[i]) + eps);
    check |= non_finite(p[i]);
  }
  return check;
}

}  // namespace

bool optimizer_update(const OptimizerSpec& spec, float lr, float* params, const float* grads,
                      float* const* slots, std::size_t begin, std::size_t end, std::int64_t step) {
  std::uint32_t check = 0;
  switch (spec.kind) {
    case OptimizerKind::kSgd: check = sgd(spec, lr, params, grads, slots, begin, end); break;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: check = adam(spec, lr, params, grads, slots, begin, end, step); break;
    case OptimizerKind::kRmsprop: check = rmsprop(spec, lr, params, grads, slots, begin, end); break;
    case OptimizerKind::kAdagrad: check = adagrad(spec, lr, params, grads, slots, begin, end); break;
  }
  return check == 0;
}

}  // namespace fastprop::core
