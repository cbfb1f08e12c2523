// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/gemm.h`, in float64, written for clarity:
 *
 *   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C  (+ bias row)   (row-major)
 *
 * op(X) is X or Xᵀ read in place; A is m×k (lda ≥ k) or, transposed, k×m (lda ≥ m). With
 * beta = 0, C is never read (NaN in C does not leak), as in BLAS.
 * @internal
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: ArrayLike<number>,
  lda: number,
  b: ArrayLike<number>,
  ldb: number,
  beta: number,
  c: { [index: number]: number },
  ldc: number,
  bias?: ArrayLike<number>,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * lda + i]! : a[i * lda + p]!;
        const bpj = transB ? b[j * ldb + p]! : b[p * ldb + j]!;
        sum += aip * bpj;
      }
      const previous = beta === 0 ? 0 : beta * c[i * ldc + j]!;
      c[i * ldc + j] = alpha * sum + previous + (bias ? bias[j]! : 0);
    }
  }
}
