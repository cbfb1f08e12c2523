// SPDX-License-Identifier: MIT
#include "activations.h"

#include <algorithm>
#include <cmath>

namespace fastprop::core {

float sigmoid(float z) {
  // Never exponentiate a large positive number: exp overflows and 1/(1+inf) loses the tail.
  if (z >= 0.0f) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

float softplus(float z) { return z > 0.0f ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

void softmax_rows(const float* z, float* a, std::size_t rows, std::size_t n) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* zr = z + r * n;
    float* ar = a + r * n;
    const float max = *std::max_element(zr, zr + n);  // shift for exp's range: result unchanged
    float sum = 0.0f;
    for (std::size_t j = 0; j < n; ++j) {
      ar[j] = std::exp(zr[j] - max);
      sum += ar[j];
    }
    const float inv = 1.0f / sum;
    for (std::size_t j = 0; j < n; ++j) ar[j] *= inv;
  }
}

}  // namespace

void activation_forward(Activation f, float slope, const float* z, float* a, std::size_t rows,
                        std::size_t n) {
  const std::size_t count = rows * n;
  switch (f) {
    case Activation::kLinear:
      if (a != z) std::copy(z, z + count, a);
      return;
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < count; ++i) a[i] = sigmoid(z[i]);
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
      for (std::size_t i = 0; i < count; ++i) a[i] = 0.5f * z[i] * (1.0f + std::erf(z[i] * kInvSqrt2));
      return;
    case Activation::kSoftplus:
      for (std::size_t i = 0; i < count; ++i) a[i] = softplus(z[i]);
      return;
    case Activation::kSilu:
      for (std::size_t i = 0; i < count; ++i) a[i] = z[i] * sigmoid(z[i]);
      return;
  }
}

void activation_backward(Activation f, float slope, const float* z, const float* a, float* g,
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
      for (std::size_t i = 0; i < count; ++i) {
        const float cdf = 0.5f * (1.0f + std::erf(z[i] * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * std::exp(-0.5f * z[i] * z[i]);
        g[i] *= cdf + z[i] * pdf;
      }
      return;
    case Activation::kSoftplus:
      for (std::size_t i = 0; i < count; ++i) g[i] *= sigmoid(z[i]);
      return;
    case Activation::kSilu:
      for (std::size_t i = 0; i < count; ++i) {
        const float s = sigmoid(z[i]);
        g[i] *= s * (1.0f + z[i] * (1.0f - s));
      }
      return;
  }
}

}  // namespace fastprop::core
