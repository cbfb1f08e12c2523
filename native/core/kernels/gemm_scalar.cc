// SPDX-License-Identifier: MIT
// Portable sgemm micro-kernel in plain C++:  C[m×n] := alpha · A[MR×kc] · B[kc×NR] + beta · C
// (+ bias row), m ≤ MR = 6, n ≤ NR = 8, on panels packed as in kernels.h.
//
// The dispatch fallback on any CPU (and the only kernel on arm64), compiled at baseline flags.
// The inner loops have constant trip counts over a local accumulator array, which GCC and
// Clang turn into vector code: 6 rows × 2 SSE/NEON vectors = 12 accumulators + 2 for the B row
// + 1 broadcast = 15/16 xmm registers (NEON has 32). Each k step is a madd (madd.h): fused on
// arm64, a multiply and an add at x86-64's baseline; the write-back is never fused.
#include <cstddef>

#include "kernels.h"
#include "madd.h"

namespace fastprop::core::kernels {
namespace {

constexpr std::size_t kMr = 6;
constexpr std::size_t kNr = 8;

void kernel_scalar(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                   std::size_t m, std::size_t n, float alpha, float beta, const float* bias) {
  float acc[kMr][kNr] = {};
  for (std::size_t p = 0; p < kc; ++p) {
    for (std::size_t i = 0; i < kMr; ++i) {
      const float ai = a[i];
      for (std::size_t j = 0; j < kNr; ++j) acc[i][j] = madd(ai, b[j], acc[i][j]);
    }
    a += kMr;
    b += kNr;
  }
  for (std::size_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    for (std::size_t j = 0; j < n; ++j) {
      float r = acc[i][j] * alpha;
      if (beta != 0.0f) r = beta * ci[j] + r;
      if (bias) r += bias[j];
      ci[j] = r;
    }
  }
}

void pack_a_scalar(bool trans, const float* a, std::size_t lda, std::size_t rows,
                   std::size_t depth, float* dst) {
  pack_a_generic<kMr>(trans, a, lda, rows, depth, dst);
}

void pack_b_scalar(bool trans, const float* b, std::size_t ldb, std::size_t depth,
                   std::size_t cols, float* dst) {
  pack_b_generic<kNr>(trans, b, ldb, depth, cols, dst);
}

}  // namespace

const KernelTable& table_scalar() {
  // Same cache budget as the AVX2 table: 256-deep blocks, small-m schedule up to 96 rows.
  static const KernelTable table{
      Isa::kScalar, {{kMr, kNr, kernel_scalar, pack_a_scalar, pack_b_scalar}, {}}, 1, 256, 120,
      4096,         96,   512, tiny_generic};
  return table;
}

}  // namespace fastprop::core::kernels
