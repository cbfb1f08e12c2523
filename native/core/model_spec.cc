// SPDX-License-Identifier: MIT
#include "model_spec.h"

#include <algorithm>

namespace fastprop::core {

std::size_t ModelSpec::weights_offset(std::size_t layer) const {
  std::size_t offset = 0;
  for (std::size_t l = 0; l < layer; ++l) offset += (layers[l].inputs + 1) * layers[l].units;
  return offset;
}

std::size_t ModelSpec::widest_layer() const {
  std::size_t widest = layers.empty() ? 0 : layers.front().inputs;
  for (const LayerSpec& layer : layers) widest = std::max(widest, layer.units);
  return widest;
}

bool has_penalty(const ModelSpec& spec) {
  for (const LayerSpec& layer : spec.layers) {
    if (layer.l1 != 0.0f || layer.l2 != 0.0f) return true;
  }
  return false;
}

}  // namespace fastprop::core
