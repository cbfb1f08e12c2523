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

// GCC 12 flags the `_mm512_undefined_ps()` inside these shuffle intrinsics as maybe
// uninitialized once they are inlined (GCC PR 105593, fixed in GCC 13): silence that here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
// In-register transpose of a 16×16 block: r[i] holds row i on entry, column i on exit.
// Three rounds (pairs of floats, quads, then 128-bit lanes), 64 shuffles for 256 floats.
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4g + c], lane L = rows 4g..4g+3 of column 4L + c.
  for (int g = 0; g < 4; ++g) {
    u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  // 4×4 transpose of 128-bit lanes across the four row groups.
  for (int c = 0; c < 4; ++c) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
    const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    r[12 + c] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}

// Packs `rows` (≤ 16) source rows of `depth` contiguous floats, transposed: column p of the
// block goes to dst + p·stride as 16 floats (rows past `rows` are zero), of which the lanes in
// `keep` are stored. This is the packing of A (not transposed) and of B (transposed), the
// cases where the packed order runs across the source's rows.
inline void pack_transposed16(const float* src, std::size_t ld, std::size_t rows,
                              std::size_t depth, float* dst, std::size_t stride, __mmask16 keep) {
  __m512 r[16];
  for (std::size_t p0 = 0; p0 < depth; p0 += 16) {
    const std::size_t cols = depth - p0 < 16 ? depth - p0 : 16;
    const __mmask16 load = static_cast<__mmask16>((1u << cols) - 1u);
#pragma GCC unroll 16
    for (std::size_t i = 0; i < 16; ++i)
      r[i] = i < rows ? _mm512_maskz_loadu_ps(load, src + i * ld + p0) : _mm512_setzero_ps();
    transpose16(r);
#pragma GCC unroll 16
    for (std::size_t c = 0; c < 16; ++c)
      if (c < cols) _mm512_mask_storeu_ps(dst + (p0 + c) * stride, keep, r[c]);
  }
}

#pragma GCC diagnostic pop

void pack_a_avx512(bool trans, const float* a, std::size_t lda, std::size_t rows,
                   std::size_t depth, float* dst) {
  if (trans) {
    pack_a_generic<kMr>(trans, a, lda, rows, depth, dst);  // contiguous copies
    return;
  }
  static_assert(kMr <= 16, "one transpose block per A panel");
  for (std::size_t r0 = 0; r0 < rows; r0 += kMr) {
    const std::size_t mr = rows - r0 < kMr ? rows - r0 : kMr;
    pack_transposed16(a + r0 * lda, lda, mr, depth, dst, kMr,
                      static_cast<__mmask16>((1u << kMr) - 1u));
    dst += kMr * depth;
  }
}

void pack_b_avx512(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                   std::size_t cols, float* dst) {
  if (!trans) {
    pack_b_generic<kNr>(trans, b, ldb, depth, cols, dst);  // contiguous copies
    return;
  }
  for (std::size_t c0 = 0; c0 < cols; c0 += kNr) {
    const std::size_t nr = cols - c0 < kNr ? cols - c0 : kNr;
    for (std::size_t h = 0; h < kNv; ++h) {
      const std::size_t lo = 16 * h, valid = nr > lo ? (nr - lo < 16 ? nr - lo : 16) : 0;
      if (valid == 0) {
        for (std::size_t p = 0; p < depth; ++p) _mm512_store_ps(dst + p * kNr + lo, _mm512_setzero_ps());
        continue;
      }
      pack_transposed16(b + (c0 + lo) * ldb, ldb, valid, depth, dst + lo, kNr, 0xFFFF);
    }
    dst += kNr * depth;
  }
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
