// SPDX-License-Identifier: MIT
// Private to activations.cc: the activations of ../activations.h, written once here and compiled
// in each ISA's file (activation_scalar.cc, activation_avx2.cc, activation_avx512.cc) with that
// file's flags. The GEMM epilogues run them on every finished tile of a layer's product, while it
// is in cache, so their arithmetic (not memory) decides their cost: relu at baseline SSE2 was
// 6% of a batch-1024 step.
#pragma once

#include <cmath>
#include <cstddef>

#include "../model_spec.h"

namespace fastprop::core::kernels {

using ActivationForwardFn = void (*)(Activation f, float slope, const float* z, float* a,
                                     std::size_t rows, std::size_t n);
using ActivationBackwardFn = void (*)(Activation f, float slope, const float* z, const float* a,
                                      float* g, std::size_t rows, std::size_t n);

struct ActivationKernels {
  ActivationForwardFn forward;
  ActivationBackwardFn backward;
};

const ActivationKernels& activation_kernels_scalar();
#if defined(FASTPROP_X86_KERNELS)
const ActivationKernels& activation_kernels_avx2();
const ActivationKernels& activation_kernels_avx512();
#endif

// In an unnamed namespace on purpose (see kernels.h): each ISA file gets its own internal copy.
namespace {

inline float sigmoid_generic(float z) {
  // Never exponentiate a large positive number: exp overflows and 1/(1+inf) loses the tail.
  if (z >= 0.0f) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

// z·Φ(z) and Φ(z) + z·φ(z), in double: Φ(z) = erfc(−z/√2)/2 keeps the tail below 0 that
// (1 + erf(z/√2))/2 cancels away in float (GELU was 0 below z ≈ −5.5, and off by 1e-3 at −4),
// and rounding z/√2 to float would cost about z²/2 ulp there.
inline float gelu(float z) {
  const double x = z;
  return float(0.5 * x * std::erfc(-x * 0.70710678118654752));
}

inline float gelu_derivative(float z) {
  const double x = z;
  return float(0.5 * std::erfc(-x * 0.70710678118654752) +
               x * 0.39894228040143268 * std::exp(-0.5 * x * x));
}

inline float softplus(float z) { return z > 0.0f ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

inline void softmax_rows(const float* z, float* a, std::size_t rows, std::size_t n) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* zr = z + r * n;
    float* ar = a + r * n;
    float max = zr[0];  // shift for exp's range: result unchanged
    for (std::size_t j = 1; j < n; ++j) max = zr[j] > max ? zr[j] : max;
    float sum = 0.0f;
    for (std::size_t j = 0; j < n; ++j) {
      ar[j] = std::exp(zr[j] - max);
      sum += ar[j];
    }
    const float inv = 1.0f / sum;
    for (std::size_t j = 0; j < n; ++j) ar[j] *= inv;
  }
}

inline void forward_generic(Activation f, float slope, const float* z, float* a, std::size_t rows,
                            std::size_t n) {
  const std::size_t count = rows * n;
  switch (f) {
    case Activation::kLinear:
      if (a != z) {
        for (std::size_t i = 0; i < count; ++i) a[i] = z[i];
      }
      return;
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < count; ++i) a[i] = sigmoid_generic(z[i]);
      return;
    case Activation::kTanh:
      for (std::size_t i = 0; i < count; ++i) a[i] = std::tanh(z[i]);
      return;
    case Activation::kRelu:
      for (std::size_t i = 0; i < count; ++i) a[i] = z[i] > 0.0f ? z[i] : 0.0f;
      return;
    case Activation::kLeakyRelu:
      for (std::size_t i = 0; i < count; ++i) a[i] = z[i] > 0.0f ? z[i] : slope * z[i];
      return;
    case Activation::kSoftmax:
      softmax_rows(z, a, rows, n);
      return;
    case Activation::kElu:
      for (std::size_t i = 0; i < count; ++i) a[i] = z[i] > 0.0f ? z[i] : std::expm1(z[i]);
      return;
    case Activation::kGelu:
      for (std::size_t i = 0; i < count; ++i) a[i] = gelu(z[i]);
      return;
    case Activation::kSoftplus:
      for (std::size_t i = 0; i < count; ++i) a[i] = softplus(z[i]);
      return;
    case Activation::kSilu:
      for (std::size_t i = 0; i < count; ++i) a[i] = z[i] * sigmoid_generic(z[i]);
      return;
  }
}

inline void backward_generic(Activation f, float slope, const float* z, const float* a, float* g,
                             std::size_t rows, std::size_t n) {
  const std::size_t count = rows * n;
  switch (f) {
    case Activation::kLinear:
      return;
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < count; ++i) g[i] *= a[i] * (1.0f - a[i]);
      return;
    case Activation::kTanh:
      for (std::size_t i = 0; i < count; ++i) g[i] *= 1.0f - a[i] * a[i];
      return;
    case Activation::kRelu:
      for (std::size_t i = 0; i < count; ++i) g[i] = z[i] > 0.0f ? g[i] : 0.0f;
      return;
    case Activation::kLeakyRelu:
      for (std::size_t i = 0; i < count; ++i) g[i] = z[i] > 0.0f ? g[i] : slope * g[i];
      return;
    case Activation::kSoftmax:
      for (std::size_t r = 0; r < rows; ++r) {
        float* gr = g + r * n;
        const float* ar = a + r * n;
        float dot = 0.0f;
        for (std::size_t j = 0; j < n; ++j) dot += gr[j] * ar[j];
        for (std::size_t j = 0; j < n; ++j) gr[j] = ar[j] * (gr[j] - dot);
      }
      return;
    case Activation::kElu:
      for (std::size_t i = 0; i < count; ++i) g[i] *= z[i] > 0.0f ? 1.0f : a[i] + 1.0f;
      return;
    case Activation::kGelu:
      for (std::size_t i = 0; i < count; ++i) g[i] *= gelu_derivative(z[i]);
      return;
    case Activation::kSoftplus:
      for (std::size_t i = 0; i < count; ++i) g[i] *= sigmoid_generic(z[i]);
      return;
    case Activation::kSilu:
      for (std::size_t i = 0; i < count; ++i) {
        const float s = sigmoid_generic(z[i]);
        g[i] *= s * (1.0f + z[i] * (1.0f - s));
      }
      return;
  }
}

}  // namespace

}  // namespace fastprop::core::kernels
