// SPDX-License-Identifier: MIT
// AVX-512F sgemm micro-kernel:  C[m×n] := alpha · A[MR×kc] · B[kc×NR] + beta · C (+ bias row),
// m ≤ MR = 14, n ≤ NR = 32, on panels packed as in kernels.h (A column by column, B row by row).
//
// Register budget (32 zmm): 14 rows × 2 vectors of 16 floats = 28 accumulators + 2 for the
// B row = 30/32; A values are broadcast straight from memory ({1to16} operand), so they need
// no register. 28 independent FMA chains is far more than the 4-cycle latency × 1 zmm FMA per
// cycle (Zen 4) or × 2 (Intel server cores) needs, and each k step loads 2 vectors + 14 scalars
// for 28 FMAs, well inside the load ports.
//
// Only this file is compiled with -mavx512f (-mavx2 -mfma); dispatch.cc makes sure the CPU and
// the OS support it before the table is used.
#if defined(FASTPROP_X86_KERNELS)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace fastprop::core::kernels {
namespace {

constexpr std::size_t kMr = 14;
constexpr std::size_t kNv = 2;  // zmm vectors per row of the tile
constexpr std::size_t kNr = 16 * kNv;

void kernel_avx512(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                   std::size_t m, std::size_t n, float alpha, float beta, const float* bias) {
  __m512 acc[kMr][kNv];
#pragma GCC unroll 16
  for (std::size_t i = 0; i < kMr; ++i) {
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kNv; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  // Touch the C tile early so its lines arrive while the k loop runs.
  if (beta != 0.0f) {
    for (std::size_t i = 0; i < m; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + kNr - 1), _MM_HINT_T0);
    }
  }

#pragma GCC unroll 2
  for (std::size_t p = 0; p < kc; ++p) {
    __m512 bv[kNv];
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kNv; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 16
    for (std::size_t i = 0; i < kMr; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kNv; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += kMr;
    b += kNr;
  }

  // Write-back: out = alpha·acc, then fma(beta, C, out), then + bias; masked on the n tail.
  __mmask16 mask[kNv];
  for (std::size_t v = 0; v < kNv; ++v) {
    const std::size_t lo = 16 * v;
    const std::size_t cnt = n > lo ? (n - lo >= 16 ? 16 : n - lo) : 0;
    mask[v] = static_cast<__mmask16>((1u << cnt) - 1u);
  }
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  __m512 vbias[kNv];
  for (std::size_t v = 0; v < kNv; ++v)
    vbias[v] = bias ? _mm512_maskz_loadu_ps(mask[v], bias + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 16
  for (std::size_t i = 0; i < kMr; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kNv; ++v) {
      __m512 r = _mm512_mul_ps(acc[i][v], va);
      if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[v], ci + 16 * v), r);
      if (bias) r = _mm512_add_ps(r, vbias[v]);
      _mm512_mask_storeu_ps(ci + 16 * v, mask[v], r);
    }
  }
}

void pack_a_avx512(bool trans, const float* a, std::size_t lda, std::size_t rows,
                   std::size_t depth, float* dst) {
  pack_a_generic<kMr>(trans, a, lda, rows, depth, dst);
}

void pack_b_avx512(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                   std::size_t cols, float* dst) {
  pack_b_generic<kNr>(trans, b, ldb, depth, cols, dst);
}

}  // namespace

const KernelTable& table_avx512() {
  // kc·NR·4 = 48 KiB B micro-panel streamed from L2, mc·kc·4 ≈ 260 KiB A block in L2 (1–2 MiB),
  // kc·nc·4 = 6 MiB B block in L3.
  static const KernelTable table{Isa::kAvx512, kMr,           kNr,          384, 168, 4096,
                                 kernel_avx512, pack_a_avx512, pack_b_avx512};
  return table;
}

}  // namespace fastprop::core::kernels

#endif  // FASTPROP_X86_KERNELS
