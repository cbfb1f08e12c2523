// SPDX-License-Identifier: MIT
// The plain description of a model that the TypeScript layer validates and hands down: dense
// layers, each z = x·W + b then a = f(z), and one loss on the last layer's output.
//
// Parameter layout (shared with src/tensor.ts and the reference twin): one flat float buffer,
// layer after layer, each layer's kernel W [inputs × units] row-major, then its bias b [units].
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fastprop::core {

enum class Activation { kLinear, kSigmoid, kTanh, kRelu, kLeakyRelu, kSoftmax, kElu, kGelu, kSoftplus, kSilu };

enum class Loss {
  kMeanSquaredError,        // mean over batch and outputs of (y − t)²
  kHalfSquaredError,        // mean over batch of ½·Σ_outputs (y − t)²
  kMeanAbsoluteError,       // mean over batch and outputs of |y − t|
  kBinaryCrossEntropy,      // sigmoid output, fused: computed from logits
  kCategoricalCrossEntropy, // softmax output, fused: log-sum-exp from logits
  kSparseCategoricalCrossEntropy,  // as above, targets are class indices
  kHuber,                   // mean over batch and outputs of ½d² (|d| ≤ δ) or δ(|d| − ½δ)
};

struct LayerSpec {
  std::size_t inputs = 0;
  std::size_t units = 0;
  Activation activation = Activation::kLinear;
  float leaky_slope = 0.01f;  // only for kLeakyRelu
  // Penalties on the kernel W, added to the loss: l1·Σ|W| + l2·ΣW² (biases are not penalised).
  float l1 = 0.0f;
  float l2 = 0.0f;
  // Inverted dropout on this layer's output while training: each unit is zeroed with this
  // probability and the survivors scaled by 1/(1 − rate). Double: the keep test compares it
  // with a 32-bit random integer exactly as the reference does.
  double dropout = 0.0;
};

struct ModelSpec {
  std::vector<LayerSpec> layers;
  Loss loss = Loss::kMeanSquaredError;
  float huber_delta = 1.0f;
  std::uint32_t dropout_seed = 0;  // see random.h

  std::size_t input_size() const { return layers.front().inputs; }
  std::size_t output_size() const { return layers.back().units; }
  // Offsets of each layer's W and b in the flat parameter buffer.
  std::size_t weights_offset(std::size_t layer) const;
  std::size_t bias_offset(std::size_t layer) const { return weights_offset(layer) + layers[layer].inputs * layers[layer].units; }
  std::size_t parameter_count() const { return weights_offset(layers.size()); }
  std::size_t widest_layer() const;
};

// True when any layer has an L1 or L2 penalty.
bool has_penalty(const ModelSpec& spec);

// True when the loss takes integer class labels instead of a target matrix.
inline bool uses_labels(Loss loss) { return loss == Loss::kSparseCategoricalCrossEntropy; }

// Targets of one batch: either a [rows × outputs] matrix or [rows] class labels.
struct Targets {
  const float* values = nullptr;   // when !uses_labels(loss)
  const int32_t* labels = nullptr;  // when uses_labels(loss)
};

}  // namespace fastprop::core
