// SPDX-License-Identifier: MIT
// madd(a, b, c) = a·b + c, the step of the portable GEMM kernel's k-sums and of the batch-1
// look-ahead product (update.h): one fused multiply-add, rounded once, where the target has an
// FMA unit (arm64, the AVX2 and AVX-512 files), else a multiply and an add.
// The core is built with implicit contraction off (-ffp-contract=off, CMakeLists.txt), so there
// a product and a sum are fused only here: every other expression is rounded as written,
// whatever the compiler and CPU. (The AVX files turn contraction on; madd is fused there too.)
#pragma once

namespace fastprop::core::kernels {
namespace {  // each ISA file gets its own copy, with its own flags (see kernels.h)

inline float madd(float a, float b, float c) {
#if defined(__FP_FAST_FMAF)
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

}  // namespace
}  // namespace fastprop::core::kernels
