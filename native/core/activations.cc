// SPDX-License-Identifier: MIT
#include "activations.h"

#include "kernels/activation.h"

namespace fastprop::core {

namespace {

const kernels::ActivationKernels& kernels_for(Isa isa) {
#if defined(FASTPROP_X86_KERNELS)
  if (isa == Isa::kAvx512) return kernels::activation_kernels_avx512();
  if (isa == Isa::kAvx2) return kernels::activation_kernels_avx2();
#endif
  (void)isa;
  return kernels::activation_kernels_scalar();
}

}  // namespace

float sigmoid(float z) { return kernels::sigmoid_generic(z); }

bool derivative_from_output(Activation f, float slope) {
  switch (f) {
    case Activation::kLinear:
    case Activation::kSigmoid:
    case Activation::kTanh:
    case Activation::kSoftmax:
    case Activation::kRelu:
    case Activation::kElu:
      return true;
    case Activation::kLeakyRelu:
      return slope >= 0.0f;  // a negative slope makes a > 0 for z < 0
    case Activation::kGelu:
    case Activation::kSoftplus:
    case Activation::kSilu:
      return false;
  }
  return false;
}

void activation_forward(Isa isa, Activation f, float slope, const float* z, float* a,
                        std::size_t rows, std::size_t n) {
  kernels_for(isa).forward(f, slope, z, a, rows, n);
}

void activation_backward(Isa isa, Activation f, float slope, const float* z, const float* a,
                         float* g, std::size_t rows, std::size_t n) {
  kernels_for(isa).backward(f, slope, z, a, g, rows, n);
}

}  // namespace fastprop::core
