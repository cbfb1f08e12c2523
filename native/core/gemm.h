// SPDX-License-Identifier: MIT
// Single-precision GEMM, the one matrix product every layer uses.
//
//   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C      (all row-major)
//
// op(X) is X (Trans::kNo) or Xᵀ (Trans::kYes), read in place: no transpose is ever
// materialised. A is stored m×k (lda ≥ k) or, transposed, k×m (lda ≥ m); likewise B is k×n
// (ldb ≥ n) or n×k (ldb ≥ k); ldc ≥ n. With beta == 0, C is write-only: it is never read, so
// NaN already in C cannot leak into the result (the BLAS/BLIS rule).
// `bias`, when given, is a row vector of length n added to every row after the product
// (the fused epilogue of a dense layer's forward pass). `epilogue`, when given, is called on
// every block of C once it is final (rows [i0, i0+rows), columns [j0, j0+cols)), right after it
// was written and is still in L2, from whichever thread computed it; blocks never overlap.
// A block is a whole packed-A block (up to mc rows × the thread's columns), not a micro-tile:
// one call per block streams its rows (and the epilogue's other operands) contiguously, where a
// call per 14×32 tile read z in short strided runs and cost 4% of a batch-1024 step.
// The dense layers use it to apply the activation (forward) or its derivative (backward), and
// the optimizer update to each block of ∂L/∂W (Epilogue::by_rows: blocks of whole rows;
// Epilogue::c_scratch: ∂L/∂W is never stored in C, each block only passes through a buffer).
// `b_sums`, when given, receives the n column sums of op(B), Σ_p op(B)[p][j] in p order (not
// scaled by alpha): a dense layer's bias gradient Σ_rows δ, taken from the packed panels of δ
// while they are in cache instead of in a separate pass over δ.
//
// Backprop needs three shapes of it:  Z = X·W (kNo,kNo),  dX = dZ·Wᵀ (kNo,kYes),
// dW = Xᵀ·dZ (kYes,kNo, beta = 1 to accumulate).
//
// Determinism: the result is bitwise identical whatever the thread count. Each element's k-sum
// runs in one fixed order: in k blocks fixed by the shape, added in block order, whether one
// thread runs them in turn or (few rows, deep k) several threads take one block each.
#pragma once

#include <cstddef>
#include <memory>

#include "dispatch.h"

namespace fastprop::core {

class ThreadPool;

enum class Trans { kNo, kYes };

struct Epilogue {
  // The block's values are at `block`, rows `ld` floats apart: C's own elements, unless
  // c_scratch let the product keep them in a buffer of its own.
  void (*apply)(const void* context, std::size_t i0, std::size_t j0, std::size_t rows,
                std::size_t cols, float* block, std::size_t ld);
  const void* context;
  // Split C between threads by rows only, so that each block the epilogue gets is whole rows
  // (when n fits one column block): for epilogues that work on rows of memory of their own.
  bool by_rows = false;
  // C is only the epilogue's input (beta must be 0): a block the product finishes in one pass
  // over k may be written to a per-thread buffer that is reused block after block, and handed
  // to the epilogue from there, instead of to C. C's contents are then unspecified.
  bool c_scratch = false;
};

// Owns the packing buffers and the kernel choice; one per model (not shared between
// concurrently running models). The pool may be shared, and may be null (single thread).
class Gemm {
 public:
  Gemm(Isa isa, ThreadPool* pool);
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  void sgemm(Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
             const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
             float* c, std::size_t ldc, const float* bias = nullptr,
             const Epilogue* epilogue = nullptr, float* b_sums = nullptr);

  Isa isa() const;
  // The pool products run on: null while single_thread is set, or if there is none.
  ThreadPool* pool() const;
  // While set, products run on the calling thread alone. Results do not depend on it.
  void set_single_thread(bool single);
  // Bytes of packing buffers held (they only grow), for reporting to the JS engine.
  std::size_t workspace_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fastprop::core
