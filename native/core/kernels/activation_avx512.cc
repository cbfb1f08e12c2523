// SPDX-License-Identifier: MIT
// The activations of activation.h, sigmoid, tanh and SiLU from activation_vector.h, compiled
// with -mavx512f -mavx2 -mfma.
// dispatch.cc makes sure the CPU and the OS support them before activations.cc uses this table.
#if defined(FASTPROP_X86_KERNELS)

#include "activation_vector.h"

namespace fastprop::core::kernels {

const ActivationKernels& activation_kernels_avx512() {
  static const ActivationKernels table{&forward_vector, &backward_vector};
  return table;
}

}  // namespace fastprop::core::kernels

#endif  // FASTPROP_X86_KERNELS
