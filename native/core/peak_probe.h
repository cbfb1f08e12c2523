// SPDX-License-Identifier: MIT
// A tiny probe of the machine's practical single-precision peak, so benchmarks can report each
// GEMM figure as a fraction of what the processor can do: 12 independent multiply-add chains in
// registers (enough to cover the FMA latency on both FMA pipes), no memory traffic.
#pragma once

#include "dispatch.h"

namespace fastprop::core {

// GFLOP/s of `threads` threads each running the probe for `seconds`, summed. kAvx512 and kAvx2
// use vfmadd231ps on zmm / ymm; kScalar uses SSE mulps + addps (what baseline x86-64 code can
// issue); on arm64 kScalar (its only kernel) uses NEON fmla. The ISA must be supported.
// Returns 0 on other CPUs.
double fma_peak_gflops(Isa isa, int threads, double seconds);

}  // namespace fastprop::core
