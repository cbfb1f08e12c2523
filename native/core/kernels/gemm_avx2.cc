// SPDX-License-Identifier: MIT
// AVX2+FMA sgemm micro-kernel:  C[m×n] := alpha · A[MR×kc] · B[kc×NR] + beta · C (+ bias row),
// m ≤ MR = 6, n ≤ NR = 16, on panels packed as in kernels.h (A column by column, B row by row).
//
// Register budget (16 ymm): 6 rows × 2 vectors of 8 floats = 12 accumulators + 2 for the B row
// + 1 broadcast A value = 15/16. 12 independent FMA chains cover the 4-cycle FMA latency × 2
// FMA ports (8 in flight needed).
//
// Only this file is compiled with -mavx2 -mfma; dispatch.cc checks CPU and OS support first.
#if defined(FASTPROP_X86_KERNELS)

#include <immintrin.h>

#include <cmath>
#include <cstddef>

#include "kernels.h"

namespace fastprop::core::kernels {
namespace {

// Blocking, overridable only for tuning experiments (-DFASTPROP_AVX2_KC=…).
#ifndef FASTPROP_AVX2_KC
#define FASTPROP_AVX2_KC 256
#define FASTPROP_AVX2_MC 144
#define FASTPROP_AVX2_KC_LONG 768
#endif

constexpr std::size_t kMr = 6;
constexpr std::size_t kNv = 2;  // ymm vectors per row of the tile
constexpr std::size_t kNr = 8 * kNv;

void kernel_avx2(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                 std::size_t m, std::size_t n, float alpha, float beta, const float* bias) {
  __m256 acc[kMr][kNv];
#pragma GCC unroll 8
  for (std::size_t i = 0; i < kMr; ++i) {
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kNv; ++v) acc[i][v] = _mm256_setzero_ps();
  }
  if (beta != 0.0f) {
    for (std::size_t i = 0; i < m; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  }

#pragma GCC unroll 2
  for (std::size_t p = 0; p < kc; ++p) {
    __m256 bv[kNv];
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kNv; ++v) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 8
    for (std::size_t i = 0; i < kMr; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kNv; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += kMr;
    b += kNr;
  }

  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  if (m == kMr && n == kNr) {
    __m256 vbias[kNv];
    for (std::size_t v = 0; v < kNv; ++v)
      vbias[v] = bias ? _mm256_loadu_ps(bias + 8 * v) : _mm256_setzero_ps();
#pragma GCC unroll 8
    for (std::size_t i = 0; i < kMr; ++i) {
      float* ci = c + i * ldc;
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kNv; ++v) {
        __m256 r = _mm256_mul_ps(acc[i][v], va);
        if (beta != 0.0f) r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8 * v), r);
        if (bias) r = _mm256_add_ps(r, vbias[v]);
        _mm256_storeu_ps(ci + 8 * v, r);
      }
    }
    return;
  }
  // Edge tile: same arithmetic, element by element (std::fma is the same single rounding as
  // the vector FMA, so an element's value does not depend on where the tile edge falls).
  alignas(32) float tile[kMr][kNr];
#pragma GCC unroll 8
  for (std::size_t i = 0; i < kMr; ++i) {
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kNv; ++v) _mm256_store_ps(&tile[i][8 * v], acc[i][v]);
  }
  for (std::size_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    for (std::size_t j = 0; j < n; ++j) {
      float r = tile[i][j] * alpha;
      if (beta != 0.0f) r = std::fma(beta, ci[j], r);
      if (bias) r += bias[j];
      ci[j] = r;
    }
  }
}

void pack_a_avx2(bool trans, const float* a, std::size_t lda, std::size_t rows,
                 std::size_t depth, float* dst) {
  pack_a_generic<kMr>(trans, a, lda, rows, depth, dst);
}

void pack_b_avx2(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                 std::size_t cols, float* dst) {
  pack_b_generic<kNr>(trans, b, ldb, depth, cols, dst);
}

}  // namespace

const KernelTable& table_avx2() {
  // kc·NR·4 = 16 KiB B micro-panel in L1; mc·kc·4 = 144 KiB A block in L2.
  // Up to 128 rows the A block stays in L2 even 768 deep.
  static const KernelTable table{Isa::kAvx2, {{kMr, kNr, kernel_avx2, pack_a_avx2, pack_b_avx2}, {}},
                                 1,          FASTPROP_AVX2_KC, FASTPROP_AVX2_MC, 4096, 128, FASTPROP_AVX2_KC_LONG};
  return table;
}

}  // namespace fastprop::core::kernels

#endif  // FASTPROP_X86_KERNELS
