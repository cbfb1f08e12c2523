// SPDX-License-Identifier: MIT
// Private to the GEMM: the table each ISA's kernel file fills in, and the generic packing
// routines they share. Not part of the public API (see ../gemm.h).
//
// Packed layouts (BLIS, docs/KernelsHowTo.md), for a block of op(A) rows×depth and of op(B)
// depth×cols:
//
//   packed A: ceil(rows/MR) panels, panel r at dst + r·MR·depth; inside a panel, column p holds
//             the MR values op(A)[r·MR + i][p] at [p·MR + i]   (i.e. MR×depth, column by column)
//   packed B: ceil(cols/NR) panels, panel s at dst + s·NR·depth; inside a panel, row p holds
//             the NR values op(B)[p][s·NR + j] at [p·NR + j]   (i.e. depth×NR, row by row)
//
// Rows of A (columns of B) past the end are zero, so the micro-kernel always runs a full
// MR×NR tile and only its write-back looks at the valid m×n part. The driver's packed buffers
// are 64-byte aligned and NR·4 is a multiple of the vector size, so kernels may use aligned
// loads on packed B; packing routines must not assume more than 4-byte alignment of `dst`.
//
// Micro-kernel contract, on one MR×NR tile of C (row-major, leading dimension ldc):
//
//   C[0:m, 0:n] := alpha · Apanel·Bpanel + beta · C  (+ bias[0:n] on every row, when non-null)
//
// with m ≤ MR, n ≤ NR; beta == 0 means C is write-only (never read: it may hold NaN). Each
// element's k-sum runs p = 0, 1, …, kc−1 in order, one fused multiply-add per step (scalar
// kernel: madd, fused where the target has FMA), whatever the tile's position, so results
// never depend on how the caller splits the m and n loops. The write-back rounds each step as
// written (alpha·acc, then + beta·C, then + bias), the sum the split-k path also forms.
#pragma once

#include <algorithm>
#include <cstddef>

#include "../dispatch.h"

namespace fastprop::core::kernels {

using MicroKernel = void (*)(std::size_t kc, const float* a, const float* b, float* c,
                             std::size_t ldc, std::size_t m, std::size_t n, float alpha,
                             float beta, const float* bias);

// Packs the rows×depth block of op(A) starting at `a` (already offset to the block's first
// element: a + i0·lda + p0, or a + p0·lda + i0 when transposed).
using PackA = void (*)(bool trans, const float* a, std::size_t lda, std::size_t rows,
                       std::size_t depth, float* dst);
// Packs the depth×cols block of op(B) starting at `b` (b + p0·ldb + j0, or b + j0·ldb + p0).
using PackB = void (*)(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                       std::size_t cols, float* dst);

// One micro-tile shape with its kernel and the packing routines for its layout.
struct Tile {
  std::size_t mr, nr;
  MicroKernel kernel;
  PackA pack_a;
  PackB pack_b;
};

// C[0:m, j0:j1] := alpha·A·op(B) + beta·C (+ bias) for a handful of rows (m ≤ kTinyRows), A not
// transposed, B read in place: nothing is packed and B streams through once. For batches of a
// few rows, packing B (all of a layer's weights) would cost more than the product itself.
constexpr std::size_t kTinyRows = 4;
using TinyGemm = void (*)(bool trans_b, std::size_t m, std::size_t j0, std::size_t j1, std::size_t k,
                          float alpha, const float* a, std::size_t lda, const float* b,
                          std::size_t ldb, float beta, float* c, std::size_t ldc, const float* bias);

struct KernelTable {
  Isa isa;
  // tiles[0] is the main shape; tiles[1], when tile_count == 2, a shorter one the driver picks
  // when m would waste too much of the main tile's height in padding (m = 64 with MR = 14).
  Tile tiles[2];
  int tile_count;
  std::size_t kc;       // depth of a packed block (upper bound; the driver balances the blocks)
  std::size_t mc;       // rows of A per packed block (L2)
  std::size_t nc;       // columns of B per packed block (L3)
  // Up to m_small rows (per thread), the small-m schedule: the whole A block, m_small×kc_long
  // at most, stays in L2 while B is packed one micro-panel at a time. When the problem's m is
  // at most m_small, k blocks may be kc_long deep (fewer passes over C).
  std::size_t m_small;
  std::size_t kc_long;
  TinyGemm tiny;  // for m ≤ kTinyRows with A not transposed (tiny_generic below)
};

const KernelTable& table_scalar();
#if defined(FASTPROP_X86_KERNELS)
const KernelTable& table_avx2();
const KernelTable& table_avx512();
#endif

// ---- generic packing, instantiated in each kernel file with that file's flags ----------------
//
// In an unnamed namespace on purpose: every kernel file gets its own internal copy, compiled with
// its own flags. As ordinary (weak, inline) templates, the AVX2 file's pack_a_generic<6> and the
// scalar file's would be one symbol, and the linker could keep the AVX2 copy for both, so the
// portable path would die with "Illegal instruction" on a CPU without AVX2.
// scripts/check-isa-symbols.sh fails CI if an ISA object ever exports a weak symbol again.
namespace {

// Copies `count` floats of a strided or contiguous line into a packed panel, zero-filling the
// padding. Written as plain loops so the compiler can vectorise the contiguous cases.
template <std::size_t kMr>
void pack_a_generic(bool trans, const float* a, std::size_t lda, std::size_t rows,
                    std::size_t depth, float* dst) {
  if (trans) {
    // op(A)[i][p] = a[p·lda + i]: each packed column is a contiguous run of the source. Walk
    // the source row by row (p outer) so it streams sequentially; the panels are the scattered
    // side, and they are being written into cache anyway.
    const std::size_t full = rows / kMr, tail = rows % kMr;
    for (std::size_t p = 0; p < depth; ++p) {
      const float* s = a + p * lda;
      for (std::size_t r = 0; r < full; ++r) {
        float* d = dst + r * kMr * depth + p * kMr;
        for (std::size_t i = 0; i < kMr; ++i) d[i] = s[r * kMr + i];
      }
      if (tail) {
        float* d = dst + full * kMr * depth + p * kMr;
        for (std::size_t i = 0; i < kMr; ++i) d[i] = i < tail ? s[full * kMr + i] : 0.0f;
      }
    }
    return;
  }
  for (std::size_t r0 = 0; r0 < rows; r0 += kMr) {
    // op(A)[i][p] = a[i·lda + p]: a transpose of mr source rows.
    const std::size_t mr = rows - r0 < kMr ? rows - r0 : kMr;
    const float* src = a + r0 * lda;
    for (std::size_t p = 0; p < depth; ++p) {
      float* d = dst + p * kMr;
      for (std::size_t i = 0; i < mr; ++i) d[i] = src[i * lda + p];
      for (std::size_t i = mr; i < kMr; ++i) d[i] = 0.0f;
    }
    dst += kMr * depth;
  }
}

template <std::size_t kNr>
void pack_b_generic(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                    std::size_t cols, float* dst) {
  if (!trans) {
    // op(B)[p][j] = b[p·ldb + j]: each packed row is a contiguous run of the source. Walk the
    // source row by row (p outer) so it streams sequentially, as for A transposed above.
    const std::size_t full = cols / kNr, tail = cols % kNr;
    for (std::size_t p = 0; p < depth; ++p) {
      const float* s = b + p * ldb;
      for (std::size_t c = 0; c < full; ++c) {
        float* d = dst + c * kNr * depth + p * kNr;
        for (std::size_t j = 0; j < kNr; ++j) d[j] = s[c * kNr + j];
      }
      if (tail) {
        float* d = dst + full * kNr * depth + p * kNr;
        for (std::size_t j = 0; j < kNr; ++j) d[j] = j < tail ? s[full * kNr + j] : 0.0f;
      }
    }
    return;
  }
  for (std::size_t c0 = 0; c0 < cols; c0 += kNr) {
    // op(B)[p][j] = b[j·ldb + p]: a transpose of nr source rows.
    const std::size_t nr = cols - c0 < kNr ? cols - c0 : kNr;
    const float* src = b + c0 * ldb;
    for (std::size_t p = 0; p < depth; ++p) {
      float* d = dst + p * kNr;
      for (std::size_t j = 0; j < nr; ++j) d[j] = src[j * ldb + p];
      for (std::size_t j = nr; j < kNr; ++j) d[j] = 0.0f;
    }
    dst += kNr * depth;
  }
}

// ---- the tiny-m path: plain loops the compiler vectorises with each kernel file's flags ------
//
// Every C element is computed whole by one call, its k-sum in a fixed order, so how the
// caller splits [j0, j1) between threads never changes a value.

// Columns [jb, jb + kW) of kM rows with op(B) = B: each step adds a[i][p]·(row p of B) to kM
// rows of accumulators, kW columns wide (kM·kW floats: at most 16 AVX-512 registers).
template <std::size_t kM, std::size_t kW>
void tiny_block(std::size_t jb, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                std::size_t ldc, const float* bias) {
  float acc[kM][kW];
  for (std::size_t i = 0; i < kM; ++i) {
    for (std::size_t l = 0; l < kW; ++l) acc[i][l] = 0.0f;
  }
  for (std::size_t p = 0; p < k; ++p) {
    const float* row = b + p * ldb + jb;
    for (std::size_t i = 0; i < kM; ++i) {
      const float av = a[i * lda + p];
      for (std::size_t l = 0; l < kW; ++l) acc[i][l] += av * row[l];
    }
  }
  for (std::size_t i = 0; i < kM; ++i) {
    float* out = c + i * ldc + jb;
    for (std::size_t l = 0; l < kW; ++l) {
      out[l] = alpha * acc[i][l] + (beta == 0.0f ? 0.0f : beta * out[l]) + (bias ? bias[jb + l] : 0.0f);
    }
  }
}

template <std::size_t kM>
void tiny_rows(bool trans_b, std::size_t j0, std::size_t j1, std::size_t k, float alpha,
               const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
               float* c, std::size_t ldc, const float* bias) {
  if (!trans_b) {
    // op(B)[p][j] = b[p·ldb + j]. Blocks of 64 columns, then narrower ones for the rest, so a
    // narrow layer (XOR's 4 units) does not pay for 64-wide accumulators and partial loops. The
    // block width never changes a value: each element's sum runs p = 0, 1, … in order.
    std::size_t jb = j0;
    if (kM == 1) {
      // One row: stream B row by row through an L1 row of accumulators, up to 512 columns at
      // a time. Going down 64-column strips instead reads B in 256-byte pieces a whole row
      // apart, which the prefetchers follow badly (a 784×512 layer: 27 µs against 17 µs on
      // one thread). The sums run p = 0, 1, … as in tiny_block.
      constexpr std::size_t kChunk = 512;
      alignas(64) float acc[kChunk];
      for (; jb + 64 <= j1;) {
        const std::size_t w = std::min(kChunk, (j1 - jb) / 64 * 64);
        for (std::size_t l = 0; l < w; ++l) acc[l] = 0.0f;
        for (std::size_t p = 0; p < k; ++p) {
          const float av = a[p];
          const float* row = b + p * ldb + jb;
          for (std::size_t l = 0; l < w; ++l) acc[l] += av * row[l];
        }
        float* out = c + jb;
        for (std::size_t l = 0; l < w; ++l)
          out[l] = alpha * acc[l] + (beta == 0.0f ? 0.0f : beta * out[l]) + (bias ? bias[jb + l] : 0.0f);
        jb += w;
      }
    }
    for (; jb + 64 <= j1; jb += 64) tiny_block<kM, 64>(jb, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
    for (; jb + 16 <= j1; jb += 16) tiny_block<kM, 16>(jb, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
    // The last < 16 columns in blocks of 8, 4, 2, 1: every block full, its loops unrolled.
    if (j1 - jb >= 8) { tiny_block<kM, 8>(jb, k, alpha, a, lda, b, ldb, beta, c, ldc, bias); jb += 8; }
    if (j1 - jb >= 4) { tiny_block<kM, 4>(jb, k, alpha, a, lda, b, ldb, beta, c, ldc, bias); jb += 4; }
    if (j1 - jb >= 2) { tiny_block<kM, 2>(jb, k, alpha, a, lda, b, ldb, beta, c, ldc, bias); jb += 2; }
    if (j1 - jb >= 1) tiny_block<kM, 1>(jb, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
    return;
  }
  // op(B)[p][j] = b[j·ldb + p]: each C element is a dot product of a row of A with a row of b,
  // kept in kL partial sums (vector lanes) that are added up in a fixed order at the end.
  constexpr std::size_t kL = 16;
  auto store = [&](std::size_t i, std::size_t j, float sum) {
    float& out = c[i * ldc + j];
    out = alpha * sum + (beta == 0.0f ? 0.0f : beta * out) + (bias ? bias[j] : 0.0f);
  };
  for (std::size_t j = j0; j < j1; ++j) {
    const float* row = b + j * ldb;
    if (k < kL) {
      // Too short for the lanes (whose sum would be exactly 0 here): the plain ordered sum.
      for (std::size_t i = 0; i < kM; ++i) {
        float sum = 0.0f;
        for (std::size_t q = 0; q < k; ++q) sum += a[i * lda + q] * row[q];
        store(i, j, sum);
      }
      continue;
    }
    float acc[kM][kL] = {};
    std::size_t p = 0;
    for (; p + kL <= k; p += kL) {
      for (std::size_t i = 0; i < kM; ++i) {
        for (std::size_t l = 0; l < kL; ++l) acc[i][l] += a[i * lda + p + l] * row[p + l];
      }
    }
    for (std::size_t i = 0; i < kM; ++i) {
      float sum = 0.0f;
      for (std::size_t l = 0; l < kL; ++l) sum += acc[i][l];
      for (std::size_t q = p; q < k; ++q) sum += a[i * lda + q] * row[q];
      store(i, j, sum);
    }
  }
}

inline void tiny_generic(bool trans_b, std::size_t m, std::size_t j0, std::size_t j1, std::size_t k,
                         float alpha, const float* a, std::size_t lda, const float* b,
                         std::size_t ldb, float beta, float* c, std::size_t ldc, const float* bias) {
  switch (m) {
    case 1: return tiny_rows<1>(trans_b, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
    case 2: return tiny_rows<2>(trans_b, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
    case 3: return tiny_rows<3>(trans_b, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
    default: return tiny_rows<4>(trans_b, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
  }
}

}  // namespace

}  // namespace fastprop::core::kernels
