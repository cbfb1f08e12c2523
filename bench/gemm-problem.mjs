// SPDX-License-Identifier: MIT
// One `_sgemm` problem from a shape string, for the scripts that time raw products
// (compare-builds.mjs --gemm, two-cores.mjs). Shapes are MxKxN, with "/tn" or "/nt" for an
// operand stored transposed (Aᵀ or Bᵀ), as in bench/torch_mlp.py --gemm.

/** Operands of the shape (random, in [−0.5, 0.5)) and a call that runs C = A·B on them. */
export function gemmProblem(shape) {
  const [dims, layout] = shape.split('/');
  const [m, k, n] = dims.split('x').map(Number);
  if (![m, k, n].every((d) => Number.isInteger(d) && d > 0) || (layout !== undefined && layout !== 'tn' && layout !== 'nt')) {
    throw new Error(`bad GEMM shape '${shape}' (expected MxKxN, optionally with /tn or /nt)`);
  }
  const ta = layout === 'tn', tb = layout === 'nt';
  const a = Float32Array.from({ length: m * k }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: k * n }, () => Math.random() - 0.5);
  const c = new Float32Array(m * n);
  return {
    flops: 2 * m * n * k,
    /** binding: the addon's exports; kernel: one of backendInfo().kernels. */
    call: (binding, kernel, threads) => binding._sgemm(ta, tb, m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 0, c, n, null, kernel, threads),
  };
}
