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
#include <cstring>
#include <cstddef>

#include "kernels.h"

namespace fastprop::core::kernels {
namespace {

// Blocking, overridable only for tuning experiments (-DFASTPROP_AVX2_KC=…).
#ifndef FASTPROP_AVX2_KC
#define FASTPROP_AVX2_KC 256
#define FASTPROP_AVX2_MC 144
#define FASTPROP_AVX2_KC_LONG 512
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

// Lane masks for maskload/maskstore: kLaneMask + 8 - n selects the first n lanes.
alignas(32) constexpr int kLaneMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline __m256i first_lanes(std::size_t n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLaneMask + 8 - n));
}

// In-register transpose of an 8×8 block: r[i] holds row i on entry, column i on exit.
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 2; ++g) {
    u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

// Transposes, in each 128-bit lane, the 4×4 blocks of r[0..3]: lane l of r[c] on exit holds
// element c of lane l of r[0], r[1], r[2], r[3] on entry. No instruction crosses lanes.
inline void transpose4x4_lanes(__m256 r[4]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  r[0] = _mm256_shuffle_ps(t0, t2, 0x44);
  r[1] = _mm256_shuffle_ps(t0, t2, 0xEE);
  r[2] = _mm256_shuffle_ps(t1, t3, 0x44);
  r[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
}

// One packed column of 8 or 6 lanes. (vmaskmovps stores are microcoded and slow on AMD, hence
// plain stores of 8 or 4 + 2 lanes.)
template <std::size_t kKeep>
inline void store_packed_column(float* d, __m256 column) {
  static_assert(kKeep == 8 || kKeep == 6, "stores written for 8 or 6 lanes");
  if (kKeep == 8) {
    _mm256_storeu_ps(d, column);
  } else {
    _mm_storeu_ps(d, _mm256_castps256_ps128(column));
    _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), _mm256_extractf128_ps(column, 1));
  }
}

// Packs `rows` (≤ 8) source rows of `depth` contiguous floats, transposed: column p goes to
// dst + p·stride as its first `keep` values (rows past `rows` are zero). Used where the packed
// order runs across the source's rows: A not transposed, B transposed.
// Whole 8-column blocks load rows i and i + 4 as the two lanes of one register (vinsertf128)
// and transpose within lanes: transpose8's vperm2f128 is 8 µops on Zen 1, where that version
// packed 0.71–0.85 floats/ns against 2.2–2.9 for the plain copies (native/tests/run.sh kernel).
// The last, partial block goes through masked loads and transpose8.
template <std::size_t kKeep>
inline void pack_transposed8(const float* src, std::size_t ld, std::size_t rows,
                             std::size_t depth, float* dst, std::size_t stride) {
  const std::size_t whole = depth / 8 * 8;
  const __m128 zero = _mm_setzero_ps();
  for (std::size_t p0 = 0; p0 < whole; p0 += 8) {
    __m256 r[8];  // r[i]: columns p0…p0+3 of rows i | i + 4; r[4 + i]: columns p0+4…p0+7
#pragma GCC unroll 4
    for (std::size_t i = 0; i < 4; ++i) {
      const float* lo = src + i * ld + p0;
      const float* hi = src + (i + 4) * ld + p0;
      const __m128 lo0 = i < rows ? _mm_loadu_ps(lo) : zero;
      const __m128 lo1 = i < rows ? _mm_loadu_ps(lo + 4) : zero;
      const __m128 hi0 = i + 4 < rows ? _mm_loadu_ps(hi) : zero;
      const __m128 hi1 = i + 4 < rows ? _mm_loadu_ps(hi + 4) : zero;
      r[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(lo0), hi0, 1);
      r[4 + i] = _mm256_insertf128_ps(_mm256_castps128_ps256(lo1), hi1, 1);
    }
    transpose4x4_lanes(r);
    transpose4x4_lanes(r + 4);
#pragma GCC unroll 8
    for (std::size_t c = 0; c < 8; ++c) store_packed_column<kKeep>(dst + (p0 + c) * stride, r[c]);
  }
  if (whole == depth) return;
  const std::size_t cols = depth - whole;
  const __m256i load = first_lanes(cols);
  __m256 r[8];
#pragma GCC unroll 8
  for (std::size_t i = 0; i < 8; ++i)
    r[i] = i < rows ? _mm256_maskload_ps(src + i * ld + whole, load) : _mm256_setzero_ps();
  transpose8(r);
  for (std::size_t c = 0; c < cols; ++c) store_packed_column<kKeep>(dst + (whole + c) * stride, r[c]);
}

void pack_a_avx2(bool trans, const float* a, std::size_t lda, std::size_t rows,
                 std::size_t depth, float* dst) {
  static_assert(kMr == 6, "one transpose block per A panel, stored as 4 + 2 lanes");
  if (trans) {
    // Contiguous runs of 6 floats, copied as 4 + 2, walking the source row by row; the tail
    // panel goes through the generic code.
    const std::size_t full = rows / kMr;
    for (std::size_t p = 0; p < depth; ++p) {
      const float* s = a + p * lda;
      float* d = dst + p * kMr;
      for (std::size_t r = 0; r < full; ++r) {
        _mm_storeu_ps(d + r * kMr * depth, _mm_loadu_ps(s + r * kMr));
        // The last two floats: a memcpy (one 8-byte move). Loading them as a `double` through
        // _mm_load_sd was undefined behaviour on 4-byte-aligned data (UBSan caught it).
        std::memcpy(d + r * kMr * depth + 4, s + r * kMr + 4, 2 * sizeof(float));
      }
    }
    if (rows % kMr)
      pack_a_generic<kMr>(true, a + full * kMr, lda, rows % kMr, depth, dst + full * kMr * depth);
    return;
  }
  for (std::size_t r0 = 0; r0 < rows; r0 += kMr) {
    const std::size_t mr = rows - r0 < kMr ? rows - r0 : kMr;
    pack_transposed8<kMr>(a + r0 * lda, lda, mr, depth, dst, kMr);
    dst += kMr * depth;
  }
}

void pack_b_avx2(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                 std::size_t cols, float* dst) {
  if (!trans) {
    // Contiguous runs of 16 floats, walking the source row by row; tail panel: generic code.
    const std::size_t full = cols / kNr;
    for (std::size_t p = 0; p < depth; ++p) {
      const float* s = b + p * ldb;
      float* d = dst + p * kNr;
      for (std::size_t c = 0; c < full; ++c) {
        _mm256_storeu_ps(d + c * kNr * depth, _mm256_loadu_ps(s + c * kNr));
        _mm256_storeu_ps(d + c * kNr * depth + 8, _mm256_loadu_ps(s + c * kNr + 8));
      }
    }
    if (cols % kNr)
      pack_b_generic<kNr>(false, b + full * kNr, ldb, depth, cols % kNr, dst + full * kNr * depth);
    return;
  }
  for (std::size_t c0 = 0; c0 < cols; c0 += kNr) {
    const std::size_t nr = cols - c0 < kNr ? cols - c0 : kNr;
    for (std::size_t h = 0; h < kNv; ++h) {
      const std::size_t lo = 8 * h, valid = nr > lo ? (nr - lo < 8 ? nr - lo : 8) : 0;
      if (valid == 0) {
        for (std::size_t p = 0; p < depth; ++p) _mm256_storeu_ps(dst + p * kNr + lo, _mm256_setzero_ps());
        continue;
      }
      pack_transposed8<8>(b + (c0 + lo) * ldb, ldb, valid, depth, dst + lo, kNr);
    }
    dst += kNr * depth;
  }
}

}  // namespace

const KernelTable& table_avx2() {
  // kc·NR·4 = 16 KiB B micro-panel in L1; mc·kc·4 = 144 KiB A block in L2.
  // Up to 96 rows, the small-m schedule with blocks 512 deep: A block ≤ 192 KiB, within the
  // 256 KiB L2 of older AVX2 cores.
  static const KernelTable table{Isa::kAvx2,
                                 {{kMr, kNr, kernel_avx2, pack_a_avx2, pack_b_avx2}, {}},
                                 1,
                                 FASTPROP_AVX2_KC,
                                 FASTPROP_AVX2_MC,
                                 4096,
                                 96,
                                 FASTPROP_AVX2_KC_LONG,
                                 tiny_generic};
  return table;
}

}  // namespace fastprop::core::kernels

#endif  // FASTPROP_X86_KERNELS
