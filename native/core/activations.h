// SPDX-License-Identifier: MIT
// Element-wise (and, for softmax, row-wise) activations on row-major [rows × n] blocks.
//   forward:  a = f(z)
//   backward: δ = g ⊙ f'(z)   (for softmax the Jacobian product δ_j = a_j·(g_j − Σ_k g_k·a_k))
// Conventions at the kinks (same in src/reference): relu'(0) = 0, leaky relu'(0) = slope.
#pragma once

#include <cstddef>

#include "model_spec.h"

namespace fastprop::core {

// a may alias z.
void activation_forward(Activation f, float slope, const float* z, float* a, std::size_t rows,
                        std::size_t n);

// g holds dL/da on entry and dL/dz on return. z and a are the forward values.
void activation_backward(Activation f, float slope, const float* z, const float* a, float* g,
                         std::size_t rows, std::size_t n);

// Numerically stable logistic function.
float sigmoid(float z);

}  // namespace fastprop::core
