// SPDX-License-Identifier: MIT
// Element-wise (and, for softmax, row-wise) activations on row-major [rows × n] blocks.
//   forward:  a = f(z)
//   backward: δ = g ⊙ f'(z)   (for softmax the Jacobian product δ_j = a_j·(g_j − Σ_k g_k·a_k))
// Conventions at the kinks (same in src/reference): relu'(0) = 0, leaky relu'(0) = slope,
// elu'(0) = 1 (the z ≤ 0 branch: α·e⁰ = 1 as well).
//   elu       z > 0 ? z : eᶻ − 1                       (α = 1, PyTorch's default)
//   gelu      z·Φ(z) = ½z(1 + erf(z/√2))               (exact form, PyTorch's default)
//   softplus  log(1 + eᶻ)                              derivative σ(z)
//   silu      z·σ(z)  (swish)                          derivative σ(z)(1 + z(1 − σ(z)))
#pragma once

#include <cstddef>

#include "dispatch.h"
#include "model_spec.h"

namespace fastprop::core {

// With the element-wise code compiled for `isa` (kernels/activation.h). a may alias z.
void activation_forward(Isa isa, Activation f, float slope, const float* z, float* a,
                        std::size_t rows, std::size_t n);

// g holds dL/da on entry and dL/dz on return. z and a are the forward values.
void activation_backward(Isa isa, Activation f, float slope, const float* z, const float* a,
                         float* g, std::size_t rows, std::size_t n);

// Whether activation_backward gives the same bits when handed a = f(z) in place of z: true when
// f' reads only a (sigmoid, tanh, softmax, linear), or reads z only through z > 0 and
// a > 0 ⟺ z > 0 (relu, elu, leaky relu with a slope ≥ 0; NaN fails both tests alike). For
// these, a layer need not keep z: f runs in place over the product's output.
bool derivative_from_output(Activation f, float slope);

// Numerically stable logistic function.
float sigmoid(float z);

}  // namespace fastprop::core
