// SPDX-License-Identifier: MIT
// Losses on the last layer's output, averaged over the batch (conventions in model_spec.h), and
// their gradient δ = ∂L/∂z with respect to the last layer's pre-activation z.
//
// Two pairs are fused, computed from the logits z for stability (log-sum-exp, softplus):
//   sigmoid + binary cross-entropy    δ = (σ(z) − t) / (rows·n)
//   softmax + categorical CE          δ = (softmax(z)·Σt − t) / rows   (= a − t for one-hot t)
// Other pairs go through dL/da and the activation's derivative.
#pragma once

#include <cstddef>

#include "dispatch.h"
#include "model_spec.h"

namespace fastprop::core {

// True when the loss is computed from the logits and so requires this output activation.
bool loss_is_fused(Loss loss);
Activation fused_activation(Loss loss);

// Writes δ = ∂L/∂z for the batch into `delta` [rows × n] and returns the batch-mean loss.
// z and a are the last layer's pre-activation and activation; `isa` picks the activation code
// that turns a regression loss's ∂L/∂a into ∂L/∂z.
double loss_and_delta(Isa isa, Loss loss, const LayerSpec& out, const float* z, const float* a,
                      const Targets& targets, std::size_t rows, float* delta,
                      float huber_delta = 1.0f);

// The batch-mean loss alone (no gradient).
double loss_value(Loss loss, const float* z, const float* a, const Targets& targets,
                  std::size_t rows, std::size_t n, float huber_delta = 1.0f);

// The batch's metric, summed: for classification losses the number of right predictions
// (argmax for the categorical losses; a ≥ 0.5 per output for binary cross-entropy, so out of
// rows·n), for regression losses Σ|a − t| (mean absolute error × rows·n).
double metric_sum(Loss loss, const float* a, const Targets& targets, std::size_t rows,
                  std::size_t n);

}  // namespace fastprop::core
