// SPDX-License-Identifier: MIT
// The activations of activation.h, compiled with baseline flags (the portable path, and the only one on arm64).
#include "activation.h"

namespace fastprop::core::kernels {

const ActivationKernels& activation_kernels_scalar() {
  static const ActivationKernels table{&forward_generic, &backward_generic};
  return table;
}

}  // namespace fastprop::core::kernels
