// SPDX-License-Identifier: MIT
// AVX-512F sgemm micro-kernels:  C[m×n] := alpha · A[MR×kc] · B[kc×NR] + beta · C (+ bias row),
// m ≤ MR, n ≤ NR, MR×NR = 14×32 (main) or 8×32 (short batches), on panels packed as in
// kernels.h (A column by column, B row by row).
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

// Blocking, overridable only for tuning experiments (-DFASTPROP_AVX512_KC=…); the defaults
// were measured on Zen 4 (1 MiB L2 per core).
#ifndef FASTPROP_AVX512_KC
#define FASTPROP_AVX512_KC 512
#define FASTPROP_AVX512_MC 112
#define FASTPROP_AVX512_NC 4096
#define FASTPROP_AVX512_KC_LONG 1024
#endif

// Software prefetch in the k loop (see kernel_avx512): how far ahead, and for which panels.
constexpr std::size_t kPrefetchSteps = 8;
constexpr std::size_t kPrefetchMinRows = 14;
constexpr std::size_t kPrefetchMinDepth = 256;

// One k step of the tile: acc[i] += A[i][p] · B[p] for every row i (A broadcast from memory).
template <std::size_t kMr, std::size_t kNv>
inline __attribute__((always_inline)) void k_step(__m512 (&acc)[kMr][kNv], const float* a,
                                                  const float* b) {
  __m512 bv[kNv];
#pragma GCC unroll 4
  for (std::size_t v = 0; v < kNv; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 16
  for (std::size_t i = 0; i < kMr; ++i) {
    const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kNv; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
  }
}

template <std::size_t kMr, std::size_t kNv>  // kNv: zmm vectors per row of the tile
void kernel_avx512(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                   std::size_t m, std::size_t n, float alpha, float beta, const float* bias) {
  constexpr std::size_t kNr = 16 * kNv;
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

  // Deep panels of the main tile prefetch A and B into L1 kPrefetchSteps k steps ahead: the B
  // micro-panel (kc·NR·4 = 64 KiB at kc 512) does not fit a 48 KiB L1. On a Xeon (2 MiB L2) this
  // made 2048³ 1.047× and 1024³ 1.029× as fast on 1 thread, 1.036× and 1.039× on 2 (medians of
  // 15 alternating rounds, bench/compare-builds.mjs). Short panels skip it: a 784×64·64×512
  // product (k = 64) read 0.844× with it. Prefetches change no arithmetic.
  if (kMr >= kPrefetchMinRows && kc >= kPrefetchMinDepth) {
#pragma GCC unroll 2
    for (std::size_t p = 0; p < kc; ++p) {
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kNv; ++v)
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchSteps * kNr + 16 * v), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchSteps * kMr), _MM_HINT_T0);
      k_step<kMr, kNv>(acc, a, b);
      a += kMr;
      b += kNr;
    }
  } else {
#pragma GCC unroll 2
    for (std::size_t p = 0; p < kc; ++p) {
      k_step<kMr, kNv>(acc, a, b);
      a += kMr;
      b += kNr;
    }
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

template <std::size_t kMr>
void pack_a_avx512(bool trans, const float* a, std::size_t lda, std::size_t rows,
                   std::size_t depth, float* dst) {
  static_assert(kMr <= 16, "one vector (and one transpose block) per A panel column");
  const __mmask16 keep = static_cast<__mmask16>((1u << kMr) - 1u);
  if (trans) {
    // Contiguous runs of MR floats: one masked load and store each (a 14-float copy is
    // otherwise split into several pieces), walking the source row by row.
    const std::size_t full = rows / kMr, tail = rows % kMr;
    const __mmask16 tail_keep = static_cast<__mmask16>((1u << tail) - 1u);
    for (std::size_t p = 0; p < depth; ++p) {
      const float* s = a + p * lda;
      float* d = dst + p * kMr;
      for (std::size_t r = 0; r < full; ++r)
        _mm512_mask_storeu_ps(d + r * kMr * depth, keep, _mm512_maskz_loadu_ps(keep, s + r * kMr));
      if (tail)
        _mm512_mask_storeu_ps(d + full * kMr * depth, keep,
                              _mm512_maskz_loadu_ps(tail_keep, s + full * kMr));
    }
    return;
  }
  for (std::size_t r0 = 0; r0 < rows; r0 += kMr) {
    const std::size_t mr = rows - r0 < kMr ? rows - r0 : kMr;
    pack_transposed16(a + r0 * lda, lda, mr, depth, dst, kMr, keep);
    dst += kMr * depth;
  }
}

template <std::size_t kNv>
void pack_b_avx512(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                   std::size_t cols, float* dst) {
  constexpr std::size_t kNr = 16 * kNv;
  if (!trans) {
    pack_b_generic<kNr>(trans, b, ldb, depth, cols, dst);  // contiguous copies
    return;
  }
  for (std::size_t c0 = 0; c0 < cols; c0 += kNr) {
    const std::size_t nr = cols - c0 < kNr ? cols - c0 : kNr;
    for (std::size_t h = 0; h < kNv; ++h) {
      const std::size_t lo = 16 * h, valid = nr > lo ? (nr - lo < 16 ? nr - lo : 16) : 0;
      if (valid == 0) {
        for (std::size_t p = 0; p < depth; ++p) _mm512_storeu_ps(dst + p * kNr + lo, _mm512_setzero_ps());
        continue;
      }
      pack_transposed16(b + (c0 + lo) * ldb, ldb, valid, depth, dst + lo, kNr, 0xFFFF);
    }
    dst += kNr * depth;
  }
}

}  // namespace

const KernelTable& table_avx512() {
  // 14×32 main tile; 8×32 (16 + 2 = 18/32 registers) for m = 64-like batches, where 14 rows
  // would pad 64 to 70. kc = 512: B micro-panel kc·NR·4 = 64 KiB streamed from L2, A block
  // mc·kc·4 = 224 KiB in L2, B block kc·nc·4 = 8 MiB in L3 (measured better than 384×168 and
  // 256/192-deep blocks on Zen 4). Up to 128 rows, the small-m schedule: the whole A block
  // fits L2 even 1024 deep (512 KiB), and fewer k blocks mean fewer passes over C.
  static const KernelTable table{
      Isa::kAvx512,
      {{14, 32, kernel_avx512<14, 2>, pack_a_avx512<14>, pack_b_avx512<2>},
       {8, 32, kernel_avx512<8, 2>, pack_a_avx512<8>, pack_b_avx512<2>}},
      2,
      FASTPROP_AVX512_KC,
      FASTPROP_AVX512_MC,
      FASTPROP_AVX512_NC,
      128,
      FASTPROP_AVX512_KC_LONG,
      tiny_generic};
  return table;
}

}  // namespace fastprop::core::kernels

#endif  // FASTPROP_X86_KERNELS
