// SPDX-License-Identifier: MIT
#include "optimizer.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/update.h"

namespace fastprop::core {

int optimizer_slot_count(const OptimizerSpec& spec) {
  switch (spec.kind) {
    case OptimizerKind::kSgd: return spec.momentum != 0.0f ? 1 : 0;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: return 2;
    case OptimizerKind::kRmsprop: return spec.momentum != 0.0f ? 2 : 1;
    case OptimizerKind::kAdagrad: return 1;
  }
  return 0;
}

namespace {

const kernels::UpdateKernels& kernels_for(Isa isa) {
#if defined(FASTPROP_X86_KERNELS)
  if (isa == Isa::kAvx512) return kernels::update_kernels_avx512();
  if (isa == Isa::kAvx2) return kernels::update_kernels_avx2();
#endif
  (void)isa;
  return kernels::update_kernels_scalar();
}

}  // namespace

StepConstants step_constants(const OptimizerSpec& spec, float lr, std::int64_t step) {
  StepConstants k;
  k.lr = lr;
  if (spec.kind == OptimizerKind::kAdam || spec.kind == OptimizerKind::kAdamW) {
    // Bias corrections in double: β₂ᵗ is close to 1 for thousands of steps.
    const double t = double(step);
    k.step_size = float(double(lr) / (1.0 - std::pow(spec.beta1, t)));
    k.v_scale = float(1.0 / std::sqrt(1.0 - std::pow(spec.beta2, t)));
    if (spec.kind == OptimizerKind::kAdamW) k.decay = float(1.0 - double(lr) * double(spec.weight_decay));
  }
  return k;
}

bool optimizer_update(Isa isa, const OptimizerSpec& spec, const StepConstants& k, float* params,
                      const float* grads, float* const* slots, std::size_t begin, std::size_t end) {
  return kernels_for(isa).update(spec, k, params, grads, slots, begin, end) == 0;
}

void accumulate_rows(Isa isa, const float* x, const float* w, std::size_t i0, std::size_t i1,
                     std::size_t n, float* acc) {
  kernels_for(isa).accumulate_rows(x, w, i0, i1, n, acc);
}

bool optimizer_update_rows(Isa isa, const OptimizerSpec& spec, const StepConstants& k,
                           const RowGradient& row, std::size_t i0, std::size_t i1, float* params,
                           float* const* slots) {
  return kernels_for(isa).update_rows(spec, k, row, i0, i1, params, slots) == 0;
}

}  // namespace fastprop::core
