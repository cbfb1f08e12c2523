// SPDX-License-Identifier: MIT
// The probe is inline assembly, so this file needs no ISA compile flags: the assembler accepts
// every instruction, and callers only run a variant the CPU supports (dispatch.h).
#include "peak_probe.h"

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace fastprop::core {

namespace {

// Runs `block` (one iteration of a probe: 12 chains) 20,000 times at a go until `seconds` have
// passed, and returns iterations per second.
template <typename Block>
[[maybe_unused]] double iterations_per_second(double seconds, Block block) {
  std::uint64_t iterations = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (int r = 0; r < 20000; ++r) block();
    iterations += 20000;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return double(iterations) / elapsed;
}

#if defined(__x86_64__)
#define FASTPROP_CHAIN(insn, reg, i) insn " %%" reg "13, %%" reg "14, %%" reg #i "\n\t"
// SSE's two-operand form: x_i ← x_i·a, then x_i ← x_i + b.
#define FASTPROP_SSE(insn, reg, i) "mulps %%xmm13, %%xmm" #i "\n\taddps %%xmm14, %%xmm" #i "\n\t"
#define FASTPROP_12(insn, reg)                                                                  \
  FASTPROP_CHAIN(insn, reg, 0) FASTPROP_CHAIN(insn, reg, 1) FASTPROP_CHAIN(insn, reg, 2)       \
  FASTPROP_CHAIN(insn, reg, 3) FASTPROP_CHAIN(insn, reg, 4) FASTPROP_CHAIN(insn, reg, 5)       \
  FASTPROP_CHAIN(insn, reg, 6) FASTPROP_CHAIN(insn, reg, 7) FASTPROP_CHAIN(insn, reg, 8)       \
  FASTPROP_CHAIN(insn, reg, 9) FASTPROP_CHAIN(insn, reg, 10) FASTPROP_CHAIN(insn, reg, 11)
#define FASTPROP_SSE_12                                                                        \
  FASTPROP_SSE(, , 0) FASTPROP_SSE(, , 1) FASTPROP_SSE(, , 2) FASTPROP_SSE(, , 3)                \
  FASTPROP_SSE(, , 4) FASTPROP_SSE(, , 5) FASTPROP_SSE(, , 6) FASTPROP_SSE(, , 7)                \
  FASTPROP_SSE(, , 8) FASTPROP_SSE(, , 9) FASTPROP_SSE(, , 10) FASTPROP_SSE(, , 11)
#define FASTPROP_CLOBBERS                                                                      \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
      "xmm13", "xmm14"

// Flops per loop iteration of each variant: 12 chains × lanes × 2 (multiply + add).
double run(Isa isa, double seconds) {
  // Zero the chains and operands first: garbage left in the registers could be denormal.
  // The scalar variant must stay SSE-only: it also runs on CPUs without AVX.
  if (isa == Isa::kAvx512) {
    __asm__ volatile(
        "vpxord %%zmm0, %%zmm0, %%zmm0\n\tvpxord %%zmm1, %%zmm1, %%zmm1\n\tvpxord %%zmm2, %%zmm2, %%zmm2\n\t"
        "vpxord %%zmm3, %%zmm3, %%zmm3\n\tvpxord %%zmm4, %%zmm4, %%zmm4\n\tvpxord %%zmm5, %%zmm5, %%zmm5\n\t"
        "vpxord %%zmm6, %%zmm6, %%zmm6\n\tvpxord %%zmm7, %%zmm7, %%zmm7\n\tvpxord %%zmm8, %%zmm8, %%zmm8\n\t"
        "vpxord %%zmm9, %%zmm9, %%zmm9\n\tvpxord %%zmm10, %%zmm10, %%zmm10\n\tvpxord %%zmm11, %%zmm11, %%zmm11\n\t"
        "vpxord %%zmm13, %%zmm13, %%zmm13\n\tvpxord %%zmm14, %%zmm14, %%zmm14\n\t" ::: FASTPROP_CLOBBERS);
  } else {
    __asm__ volatile(
        "xorps %%xmm0, %%xmm0\n\txorps %%xmm1, %%xmm1\n\txorps %%xmm2, %%xmm2\n\txorps %%xmm3, %%xmm3\n\t"
        "xorps %%xmm4, %%xmm4\n\txorps %%xmm5, %%xmm5\n\txorps %%xmm6, %%xmm6\n\txorps %%xmm7, %%xmm7\n\t"
        "xorps %%xmm8, %%xmm8\n\txorps %%xmm9, %%xmm9\n\txorps %%xmm10, %%xmm10\n\txorps %%xmm11, %%xmm11\n\t"
        "xorps %%xmm13, %%xmm13\n\txorps %%xmm14, %%xmm14\n\t" ::: FASTPROP_CLOBBERS);
    // A 256-bit zeroing would be an AVX instruction; with SSE registers zeroed the AVX2 chains
    // read zeros in their low lanes and whatever the upper lanes held: zero those too.
    if (isa == Isa::kAvx2) __asm__ volatile("vzeroall\n\t" ::: FASTPROP_CLOBBERS);
  }
  double rate;
  if (isa == Isa::kAvx512) {
    rate = iterations_per_second(
        seconds, [] { __asm__ volatile(FASTPROP_12("vfmadd231ps", "zmm") ::: FASTPROP_CLOBBERS); });
  } else if (isa == Isa::kAvx2) {
    rate = iterations_per_second(
        seconds, [] { __asm__ volatile(FASTPROP_12("vfmadd231ps", "ymm") ::: FASTPROP_CLOBBERS); });
  } else {
    // SSE has no FMA: a multiply and an add per chain (the add depends on the multiply).
    rate = iterations_per_second(seconds,
                                 [] { __asm__ volatile(FASTPROP_SSE_12 ::: FASTPROP_CLOBBERS); });
  }
  const int lanes = isa == Isa::kAvx512 ? 16 : isa == Isa::kAvx2 ? 8 : 4;
  return rate * 12 * lanes * 2 / 1e9;
}
#undef FASTPROP_CLOBBERS
#undef FASTPROP_12
#undef FASTPROP_SSE_12
#undef FASTPROP_SSE
#undef FASTPROP_CHAIN
#elif defined(__aarch64__)
// NEON (every arm64 CPU has it): 12 chains of fmla on 4 lanes, what the portable kernel's
// k-sum (madd) compiles to there.
#define FASTPROP_FMLA(i) "fmla v" #i ".4s, v13.4s, v14.4s\n\t"
#define FASTPROP_ZERO(i) "movi v" #i ".16b, #0\n\t"
#define FASTPROP_CLOBBERS                                                                      \
  "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v13", "v14"
double run(Isa, double seconds) {
  __asm__ volatile(FASTPROP_ZERO(0) FASTPROP_ZERO(1) FASTPROP_ZERO(2) FASTPROP_ZERO(3)
                   FASTPROP_ZERO(4) FASTPROP_ZERO(5) FASTPROP_ZERO(6) FASTPROP_ZERO(7)
                   FASTPROP_ZERO(8) FASTPROP_ZERO(9) FASTPROP_ZERO(10) FASTPROP_ZERO(11)
                   FASTPROP_ZERO(13) FASTPROP_ZERO(14) ::: FASTPROP_CLOBBERS);
  const double rate = iterations_per_second(seconds, [] {
    __asm__ volatile(FASTPROP_FMLA(0) FASTPROP_FMLA(1) FASTPROP_FMLA(2) FASTPROP_FMLA(3)
                     FASTPROP_FMLA(4) FASTPROP_FMLA(5) FASTPROP_FMLA(6) FASTPROP_FMLA(7)
                     FASTPROP_FMLA(8) FASTPROP_FMLA(9) FASTPROP_FMLA(10) FASTPROP_FMLA(11)
                     ::: FASTPROP_CLOBBERS);
  });
  return rate * 12 * 4 * 2 / 1e9;
}
#undef FASTPROP_CLOBBERS
#undef FASTPROP_ZERO
#undef FASTPROP_FMLA
#else
double run(Isa, double) { return 0; }
#endif

}  // namespace

double fma_peak_gflops(Isa isa, int threads, double seconds) {
  std::vector<double> results(std::size_t(threads > 0 ? threads : 1));
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < results.size(); ++t) {
    workers.emplace_back([&results, t, isa, seconds] { results[t] = run(isa, seconds); });
  }
  results[0] = run(isa, seconds);
  for (std::thread& worker : workers) worker.join();
  double total = 0;
  for (double r : results) total += r;
  return total;
}

}  // namespace fastprop::core
