// SPDX-License-Identifier: MIT
// Private to optimizer.cc: the element-wise parameter updates, written once here and compiled
// in each ISA's file (update_scalar.cc, update_avx2.cc, update_avx512.cc) with that file's flags.
// An update streams the parameters and every optimizer slot through memory once per step; at
// baseline SSE2 flags its arithmetic, not the memory, was the limit (batch 1: 37% of a step).
//
// The rules themselves are documented in ../optimizer.h. Every function returns the OR over its
// range of non_finite(θ'): nonzero when some new θ' is NaN or ±Inf. An integer OR is associative,
// so the check vectorises with the update; a float accumulation would not (without fast-math).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../optimizer.h"

namespace fastprop::core::kernels {

// Updates params[begin, end) from grads[begin, end).
using UpdateFn = std::uint32_t (*)(const OptimizerSpec& spec, const StepConstants& k, float* p,
                                   const float* g, float* const* slots, std::size_t begin,
                                   std::size_t end);
// Rows [i0, i1) of a layer's update, each row of ∂L/∂W formed from the RowGradient into
// `scratch` (n floats) and then applied (see optimizer_update_rows in ../optimizer.h).
using UpdateRowsFn = std::uint32_t (*)(const OptimizerSpec& spec, const StepConstants& k,
                                       const RowGradient& row, std::size_t i0, std::size_t i1,
                                       float* p, float* const* slots, float* scratch);

struct UpdateKernels {
  UpdateFn update;
  UpdateRowsFn update_rows;
};

const UpdateKernels& update_kernels_scalar();
#if defined(FASTPROP_X86_KERNELS)
const UpdateKernels& update_kernels_avx2();
const UpdateKernels& update_kernels_avx512();
#endif

// In an unnamed namespace on purpose (see kernels.h): each ISA file gets its own internal copy.
namespace {

inline std::uint32_t non_finite(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;  // exponent all ones: Inf or NaN
}

inline std::uint32_t sgd(const OptimizerSpec& spec, const StepConstants& k, float* p,
                         const float* g, float* const* slots, std::size_t begin, std::size_t end) {
  const float mu = spec.momentum, lr = k.lr;
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

inline std::uint32_t adam(const OptimizerSpec& spec, const StepConstants& k, float* p,
                          const float* g, float* const* slots, std::size_t begin, std::size_t end) {
  const float b1 = float(spec.beta1), c1 = float(1.0 - spec.beta1);
  const float b2 = float(spec.beta2), c2 = float(1.0 - spec.beta2), eps = spec.epsilon;
  const float step_size = k.step_size, v_scale = k.v_scale, decay = k.decay;
  float* m = slots[0];
  float* v = slots[1];
  std::uint32_t check = 0;
  for (std::size_t i = begin; i < end; ++i) {
    m[i] = b1 * m[i] + c1 * g[i];
    v[i] = b2 * v[i] + c2 * g[i] * g[i];
    // η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), √v̂ = √v/√(1−β₂ᵗ): PyTorch's arrangement.
    p[i] = p[i] * decay - step_size * m[i] / (std::sqrt(v[i]) * v_scale + eps);
    check |= non_finite(p[i]);
  }
  return check;
}

inline std::uint32_t rmsprop(const OptimizerSpec& spec, const StepConstants& k, float* p,
                                    const float* g, float* const* slots, std::size_t begin,
                                    std::size_t end) {
  const float rho = float(spec.rho), c = float(1.0 - spec.rho), eps = spec.epsilon;
  const float mu = spec.momentum, lr = k.lr;
  float* s = slots[0];
  std::uint32_t check = 0;
  if (mu == 0.0f) {
    for (std::size_t i = begin; i < end; ++i) {
      s[i] = rho * s[i] + c * g[i] * g[i];
      p[i] -= lr * (g[i] / (std::sqrt(s[i]) + eps));
      check |= non_finite(p[i]);
    }
    return check;
  }
  float* b = slots[1];
  for (std::size_t i = begin; i < end; ++i) {
    s[i] = rho * s[i] + c * g[i] * g[i];
    b[i] = mu * b[i] + g[i] / (std::sqrt(s[i]) + eps);
    p[i] -= lr * b[i];
    check |= non_finite(p[i]);
  }
  return check;
}

inline std::uint32_t adagrad(const OptimizerSpec& spec, const StepConstants& k, float* p,
                                    const float* g, float* const* slots, std::size_t begin,
                                    std::size_t end) {
  const float eps = spec.epsilon, lr = k.lr;
  float* s = slots[0];
  std::uint32_t check = 0;
  for (std::size_t i = begin; i < end; ++i) {
    s[i] += g[i] * g[i];
    p[i] -= lr * g[i] / (std::sqrt(s[i]) + eps);
    check |= non_finite(p[i]);
  }
  return check;
}

inline std::uint32_t update_generic(const OptimizerSpec& spec, const StepConstants& k, float* p,
                                    const float* g, float* const* slots, std::size_t begin,
                                    std::size_t end) {
  switch (spec.kind) {
    case OptimizerKind::kSgd: return sgd(spec, k, p, g, slots, begin, end);
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: return adam(spec, k, p, g, slots, begin, end);
    case OptimizerKind::kRmsprop: return rmsprop(spec, k, p, g, slots, begin, end);
    case OptimizerKind::kAdagrad: return adagrad(spec, k, p, g, slots, begin, end);
  }
  return 0;
}

// Forms one row of the gradient (see RowGradient in ../optimizer.h) into g, then updates it.
inline std::uint32_t update_one_row(const OptimizerSpec& spec, const StepConstants& k,
                                    const RowGradient& row, const float* input, float* p,
                                    float* const* slots, float* g) {
  const std::size_t n = row.n;
  const float* delta = row.delta;
  if (!input) {
    // The bias row: Σ_rows δ.
    for (std::size_t j = 0; j < n; ++j) g[j] = delta[j];
    for (std::size_t r = 1; r < row.rows; ++r) {
      for (std::size_t j = 0; j < n; ++j) g[j] += delta[r * n + j];
    }
  } else {
    // Σ_r input[r]·δ[r]; rows with a zero input add nothing (MNIST's pixels are mostly zero).
    // The first term is assigned, not added to a zeroed row.
    bool any = false;
    for (std::size_t r = 0; r < row.rows; ++r) {
      const float a = input[r * row.input_stride];
      if (a == 0.0f) continue;
      if (any) {
        for (std::size_t j = 0; j < n; ++j) g[j] += a * delta[r * n + j];
      } else {
        for (std::size_t j = 0; j < n; ++j) g[j] = a * delta[r * n + j];
        any = true;
      }
    }
    if (!any) {
      for (std::size_t j = 0; j < n; ++j) g[j] = 0.0f;
    }
    const float l1 = row.l1, two_l2 = row.two_l2;
    if (l1 != 0.0f || two_l2 != 0.0f) {
      for (std::size_t j = 0; j < n; ++j) g[j] += l1 * float((p[j] > 0.0f) - (p[j] < 0.0f)) + two_l2 * p[j];
    }
  }
  const float clip = row.clip;
  if (clip > 0.0f) {
    for (std::size_t j = 0; j < n; ++j) g[j] = g[j] < -clip ? -clip : (g[j] > clip ? clip : g[j]);
  }
  return update_generic(spec, k, p, g, slots, 0, n);
}

inline std::uint32_t update_rows_generic(const OptimizerSpec& spec, const StepConstants& k,
                                         const RowGradient& row, std::size_t i0, std::size_t i1,
                                         float* p, float* const* slots, float* g) {
  const std::size_t n = row.n;
  std::uint32_t check = 0;
  for (std::size_t i = i0; i < i1; ++i) {
    float* row_slots[kMaxOptimizerSlots] = {nullptr, nullptr};
    for (int s = 0; s < kMaxOptimizerSlots; ++s) {
      if (slots[s]) row_slots[s] = slots[s] + i * n;
    }
    check |= update_one_row(spec, k, row, row.input ? row.input + i : nullptr, p + i * n,
                            row_slots, g);
  }
  return check;
}

}  // namespace

}  // namespace fastprop::core::kernels
