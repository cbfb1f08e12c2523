// SPDX-License-Identifier: MIT
// The native sgemm against the reference, once per kernel this CPU runs, over the shapes that
// break blocked GEMMs: sizes not divisible by the register tile, k = 1, single rows/columns,
// padded leading dimensions, and beta = 0 over a C full of NaN (C must not be read).
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/random.ts';
import { gemm } from '../../src/reference/gemm.ts';
import { randomMatrix } from '../helpers/data.ts';
import { availableKernels, nativeBinding } from '../helpers/native.ts';
import { PARITY_TOLERANCE, relativeError } from '../helpers/tolerance.ts';

const SHAPES: [m: number, n: number, k: number][] = [
  [1, 1, 1], [1, 17, 5], [17, 1, 5], [5, 7, 1], [7, 13, 5], [33, 47, 29],
  [64, 64, 64], [65, 97, 130], [100, 200, 300], [3, 300, 1000], [257, 31, 513],
  // Few rows, k ≥ 512: the small-m schedule's k in two blocks.
  [70, 90, 600],
  // One row and n ≥ 64: B streamed row by row, 512 columns at a time, then the narrow blocks.
  [1, 600, 37], [1, 130, 9],
];
const splitKExpected = new Map<string, Float64Array>();
const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const;

describe.each(availableKernels())('sgemm with the %s kernel', (kernel) => {
  const binding = nativeBinding();
  describe.each(TRANSPOSES)('transA %s, transB %s', (transA, transB) => {
    it.each(SHAPES)('m %i, n %i, k %i', (m, n, k) => {
      const random = new Random(m * 7919 + n * 31 + k);
      // Leading dimensions wider than needed, to catch code that assumes packed storage.
      const lda = (transA ? m : k) + 3;
      const ldb = (transB ? k : n) + 2;
      const ldc = n + 5;
      const a = randomMatrix(random, transA ? k : m, lda);
      const b = randomMatrix(random, transB ? n : k, ldb);
      const bias = randomMatrix(random, 1, n);
      const c0 = randomMatrix(random, m, ldc);

      for (const [alpha, beta, withBias] of [[1, 0, false], [0.5, 1, false], [1, 0, true], [-2, 0.25, true]] as const) {
        const expected = Float64Array.from(c0);
        gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc, withBias ? bias : undefined);
        const actual = Float32Array.from(c0);
        if (beta === 0) {
          // Poison C everywhere the product writes: beta = 0 must never read it.
          for (let i = 0; i < m; i++) actual.fill(Number.NaN, i * ldc, i * ldc + n);
        }
        binding._sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, actual, ldc, withBias ? bias : null, kernel, 1);
        expect(relativeError(actual, expected), `alpha ${alpha}, beta ${beta}, bias ${withBias}`).toBeLessThan(PARITY_TOLERANCE);
        // The padding columns beyond n must be untouched.
        for (let i = 0; i < m; i++) {
          for (let j = n; j < ldc; j++) expect(actual[i * ldc + j]).toBe(Math.fround(c0[i * ldc + j]!));
        }
      }
    });
  });

  // 300 rows: the blocked path; 64 rows: the small-m path, whose two k blocks (k ≥ 512) the two
  // threads take one each and then add up (with alpha, beta and the bias, the sums the one-thread
  // write-back makes); 1 and 3 rows: the tiny-m paths (B streamed unpacked).
  it.each([[300, false], [64, false], [64, true], [3, false], [3, true], [1, false]] as const)('gives bitwise the same result on 1 and 2 threads (m %i, B transposed %s)', (m, transB) => {
    const random = new Random(5);
    const [n, k] = [520, 784];
    const a = randomMatrix(random, m, k);
    const b = randomMatrix(random, k, n);
    const ldc = n + 3;  // padding columns, which must stay as they are
    const c = randomMatrix(random, m, ldc);
    const bias = randomMatrix(random, 1, n);
    const ldb = transB ? k : n;
    for (const [alpha, beta, withBias] of [[1, 0, false], [-2, 0.25, true]] as const) {
      const [one, two] = [c.slice(), c.slice()];
      binding._sgemm(false, transB, m, n, k, alpha, a, k, b, ldb, beta, one, ldc, withBias ? bias : null, kernel, 1);
      binding._sgemm(false, transB, m, n, k, alpha, a, k, b, ldb, beta, two, ldc, withBias ? bias : null, kernel, 2);
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer)), `alpha ${alpha}, beta ${beta}, bias ${withBias}`).toBe(true);
      if (m === 64) {
        // The split-k sums against the reference (the other paths meet it in the shapes above),
        // computed once for all kernels: the inputs depend on the case alone.
        const key = `${m} ${transB} ${alpha}`;
        let expected = splitKExpected.get(key);
        if (!expected) {
          expected = Float64Array.from(c);
          gemm(false, transB, m, n, k, alpha, a, k, b, ldb, beta, expected, ldc, withBias ? bias : undefined);
          splitKExpected.set(key, expected);
        }
        expect(relativeError(two, expected), `alpha ${alpha}, beta ${beta}, bias ${withBias}`).toBeLessThan(PARITY_TOLERANCE);
      }
      for (let i = 0; i < m; i++) expect(two.subarray(i * ldc + n, (i + 1) * ldc)).toEqual(c.subarray(i * ldc + n, (i + 1) * ldc));
    }
  });
});
