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
#include "madd.h"

namespace fastprop::core::kernels {

// Updates params[begin, end) from grads[begin, end).
using UpdateFn = std::uint32_t (*)(const OptimizerSpec& spec, const StepConstants& k, float* p,
                                   const float* g, float* const* slots, std::size_t begin,
                                   std::size_t end);
// Rows [i0, i1) of a layer's update, each element of ∂L/∂W formed from the RowGradient as it is
// applied (see optimizer_update_rows in ../optimizer.h).
using UpdateRowsFn = std::uint32_t (*)(const OptimizerSpec& spec, const StepConstants& k,
                                       const RowGradient& row, std::size_t i0, std::size_t i1,
                                       float* p, float* const* slots);

// acc[0, n) += x[i]·(row i of w) for i = i0, i0 + 1, … (see accumulate_rows in ../optimizer.h).
using AccumulateRowsFn = void (*)(const float* x, const float* w, std::size_t i0, std::size_t i1,
                                  std::size_t n, float* acc);

struct UpdateKernels {
  UpdateFn update;
  UpdateRowsFn update_rows;
  AccumulateRowsFn accumulate_rows;
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

// The rules, each over [begin, end) with the gradient of element i given by grad(i). grad is
// called once per element, before that element's parameter is written, so it may read p[i]
// (the L1/L2 penalties do). Plain updates pass a buffer's values; the fused small-batch path
// passes the gradient formed on the fly, so it is never stored.
template <typename Grad>
inline std::uint32_t sgd(const OptimizerSpec& spec, const StepConstants& k, float* p,
                         float* const* slots, std::size_t begin, std::size_t end, Grad grad) {
  const float mu = spec.momentum, lr = k.lr;
  std::uint32_t check = 0;
  if (mu == 0.0f) {
    for (std::size_t i = begin; i < end; ++i) {
      p[i] -= lr * grad(i);
      check |= non_finite(p[i]);
    }
    return check;
  }
  float* v = slots[0];
  if (spec.nesterov) {
    for (std::size_t i = begin; i < end; ++i) {
      const float g = grad(i);
      v[i] = mu * v[i] + g;
      p[i] -= lr * (g + mu * v[i]);
      check |= non_finite(p[i]);
    }
  } else {
    for (std::size_t i = begin; i < end; ++i) {
      v[i] = mu * v[i] + grad(i);
      p[i] -= lr * v[i];
      check |= non_finite(p[i]);
    }
  }
  return check;
}

template <typename Grad>
inline std::uint32_t adam(const OptimizerSpec& spec, const StepConstants& k, float* p,
                          float* const* slots, std::size_t begin, std::size_t end, Grad grad) {
  const float b1 = float(spec.beta1), c1 = float(1.0 - spec.beta1);
  const float b2 = float(spec.beta2), c2 = float(1.0 - spec.beta2), eps = spec.epsilon;
  const float step_size = k.step_size, v_scale = k.v_scale, decay = k.decay;
  float* m = slots[0];
  float* v = slots[1];
  std::uint32_t check = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const float g = grad(i);
    m[i] = b1 * m[i] + c1 * g;
    v[i] = b2 * v[i] + c2 * g * g;
    // η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), √v̂ = √v/√(1−β₂ᵗ): PyTorch's arrangement.
    p[i] = p[i] * decay - step_size * m[i] / (std::sqrt(v[i]) * v_scale + eps);
    check |= non_finite(p[i]);
  }
  return check;
}

template <typename Grad>
inline std::uint32_t rmsprop(const OptimizerSpec& spec, const StepConstants& k, float* p,
                             float* const* slots, std::size_t begin, std::size_t end, Grad grad) {
  const float rho = float(spec.rho), c = float(1.0 - spec.rho), eps = spec.epsilon;
  const float mu = spec.momentum, lr = k.lr;
  float* s = slots[0];
  std::uint32_t check = 0;
  if (mu == 0.0f) {
    for (std::size_t i = begin; i < end; ++i) {
      const float g = grad(i);
      s[i] = rho * s[i] + c * g * g;
      p[i] -= lr * (g / (std::sqrt(s[i]) + eps));
      check |= non_finite(p[i]);
    }
    return check;
  }
  float* b = slots[1];
  for (std::size_t i = begin; i < end; ++i) {
    const float g = grad(i);
    s[i] = rho * s[i] + c * g * g;
    b[i] = mu * b[i] + g / (std::sqrt(s[i]) + eps);
    p[i] -= lr * b[i];
    check |= non_finite(p[i]);
  }
  return check;
}

template <typename Grad>
inline std::uint32_t adagrad(const OptimizerSpec& spec, const StepConstants& k, float* p,
                             float* const* slots, std::size_t begin, std::size_t end, Grad grad) {
  const float eps = spec.epsilon, lr = k.lr;
  float* s = slots[0];
  std::uint32_t check = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const float g = grad(i);
    s[i] += g * g;
    p[i] -= lr * g / (std::sqrt(s[i]) + eps);
    check |= non_finite(p[i]);
  }
  return check;
}

template <typename Grad>
inline std::uint32_t apply_rule(const OptimizerSpec& spec, const StepConstants& k, float* p,
                                float* const* slots, std::size_t begin, std::size_t end,
                                Grad grad) {
  switch (spec.kind) {
    case OptimizerKind::kSgd: return sgd(spec, k, p, slots, begin, end, grad);
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: return adam(spec, k, p, slots, begin, end, grad);
    case OptimizerKind::kRmsprop: return rmsprop(spec, k, p, slots, begin, end, grad);
    case OptimizerKind::kAdagrad: return adagrad(spec, k, p, slots, begin, end, grad);
  }
  return 0;
}

inline std::uint32_t update_generic(const OptimizerSpec& spec, const StepConstants& k, float* p,
                                    const float* g, float* const* slots, std::size_t begin,
                                    std::size_t end) {
  return apply_rule(spec, k, p, slots, begin, end, [g](std::size_t i) { return g[i]; });
}

// Sixteen floats as one value (GCC/Clang vector extension): one zmm register under AVX-512, two
// ymm under AVX2, four xmm at baseline. Arithmetic on it is lane by lane, so every ISA computes
// the same expression. (A plain float acc[16] array let GCC "vectorise" the loop below by
// transposing 16-float groups with vpermt2ps: 60 µs a step on layer 2 of the bench's MLP.)
typedef float Lanes16 __attribute__((vector_size(64)));

// Unaligned load. By reference, not by value: a 64-byte vector returned by value has another
// ABI under each ISA's flags (GCC's -Wpsabi), though this is always inlined.
inline void load16(Lanes16& v, const float* p) { std::memcpy(&v, p, sizeof v); }

// back[r] = Σ_j w[j]·δ[r][j] for the R rows of δ, in one pass over w: two independent chains of
// 16 lanes per row (one chain would be bound by the FMA latency), summed lane by lane at the end.
template <std::size_t R>
inline void dot_rows(const float* w, const float* d, std::size_t n, float* back,
                     std::size_t back_stride) {
  if (n < 16) {  // a narrow layer (XOR's): plain sums, no vector set-up and lane reduction
    for (std::size_t r = 0; r < R; ++r) {
      float sum = 0.0f;
      for (std::size_t t = 0; t < n; ++t) sum += w[t] * d[r * n + t];
      back[r * back_stride] = sum;
    }
    return;
  }
  Lanes16 acc[R][2] = {};
  std::size_t j = 0;
  Lanes16 w0, w1, d0, d1;
  for (; j + 32 <= n; j += 32) {
    load16(w0, w + j);
    load16(w1, w + j + 16);
    for (std::size_t r = 0; r < R; ++r) {
      load16(d0, d + r * n + j);
      load16(d1, d + r * n + j + 16);
      acc[r][0] += w0 * d0;
      acc[r][1] += w1 * d1;
    }
  }
  if (j + 16 <= n) {
    load16(w0, w + j);
    for (std::size_t r = 0; r < R; ++r) {
      load16(d0, d + r * n + j);
      acc[r][0] += w0 * d0;
    }
    j += 16;
  }
  for (std::size_t r = 0; r < R; ++r) {
    const Lanes16 both = acc[r][0] + acc[r][1];
    float sum = 0.0f;
    for (int l = 0; l < 16; ++l) sum += both[l];
    for (std::size_t t = j; t < n; ++t) sum += w[t] * d[r * n + t];
    back[r * back_stride] = sum;
  }
}

// acc[0, n) += a·w[0, n), by madd (fused where the target has FMA). One compiled body per ISA
// file, never inlined or cloned: the update pass (RowGradient::ahead_acc) and
// accumulate_rows_generic both call it, so their sums are the same bits whatever the compiler
// would have made of each call site.
#if defined(__clang__)
#define FASTPROP_ONE_BODY __attribute__((noinline))
#else
#define FASTPROP_ONE_BODY __attribute__((noipa))
#endif
inline FASTPROP_ONE_BODY void axpy_row(float a, const float* w, std::size_t n, float* acc) {
  for (std::size_t j = 0; j < n; ++j) acc[j] = madd(a, w[j], acc[j]);
}

inline void accumulate_rows_generic(const float* x, const float* w, std::size_t i0,
                                    std::size_t i1, std::size_t n, float* acc) {
  for (std::size_t i = i0; i < i1; ++i) axpy_row(x[i], w + i * n, n, acc);
}

// Rows [i0, i1) of a layer for a batch of R rows (R known at compile time, so the sum over the
// batch is one unrolled expression and each row is a single pass): element j of row i gets
// Σ_r a_r·δ[r][j] with a_r = input[r][i] (for the bias row, a_r = 1: the plain Σ_r δ[r][j]),
// then the row's penalties, then the clip. With row.back, the row's backward product first.
template <std::size_t R>
inline std::uint32_t update_rows_r(const OptimizerSpec& spec, const StepConstants& k,
                                   const RowGradient& row, std::size_t i0, std::size_t i1,
                                   float* p, float* const* slots) {
  const std::size_t n = row.n;
  const float* d = row.delta;
  const float clip = row.clip;
  std::uint32_t check = 0;
  for (std::size_t i = i0; i < i1; ++i) {
    const bool bias = i == row.bias_row;
    const float l1 = bias ? 0.0f : row.l1, two_l2 = bias ? 0.0f : row.two_l2;
    float a[R];
    for (std::size_t r = 0; r < R; ++r) a[r] = bias ? 1.0f : row.input[r * row.input_stride + i];
    float* pr = p + i * n;
    float* sr[kMaxOptimizerSlots] = {nullptr, nullptr};
    for (int s = 0; s < kMaxOptimizerSlots; ++s) {
      if (slots[s]) sr[s] = slots[s] + i * n;
    }
    if (row.back && !bias) dot_rows<R>(pr, d, n, row.back + i, row.back_stride);
    auto sum = [&](std::size_t j) {
      float g = a[0] * d[j];
      for (std::size_t r = 1; r < R; ++r) g += a[r] * d[r * n + j];
      return g;
    };
    if (l1 == 0.0f && two_l2 == 0.0f && clip <= 0.0f) {
      check |= apply_rule(spec, k, pr, sr, 0, n, sum);
    } else {
      check |= apply_rule(spec, k, pr, sr, 0, n, [&](std::size_t j) {
        float g = sum(j) + l1 * float((pr[j] > 0.0f) - (pr[j] < 0.0f)) + two_l2 * pr[j];
        if (clip > 0.0f) g = g < -clip ? -clip : (g > clip ? clip : g);
        return g;
      });
    }
    if (row.ahead_acc && !bias) axpy_row(row.ahead_x[i], pr, n, row.ahead_acc);  // row i is final
  }
  return check;
}

inline std::uint32_t update_rows_generic(const OptimizerSpec& spec, const StepConstants& k,
                                         const RowGradient& row, std::size_t i0, std::size_t i1,
                                         float* p, float* const* slots) {
  switch (row.rows) {
    case 1: return update_rows_r<1>(spec, k, row, i0, i1, p, slots);
    case 2: return update_rows_r<2>(spec, k, row, i0, i1, p, slots);
    case 3: return update_rows_r<3>(spec, k, row, i0, i1, p, slots);
    default: return update_rows_r<4>(spec, k, row, i0, i1, p, slots);
  }
}

}  // namespace

}  // namespace fastprop::core::kernels
