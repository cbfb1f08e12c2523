// SPDX-License-Identifier: MIT
/**
 * A batch-64 training step of the 784-512-256-10 MLP, taken apart: each of its matrix products
 * and its parameter update, timed alone with the addon's own code. Their sum says how fast a
 * step of this design can be at the speed its parts run today, and so whether a throughput
 * target (≥ 100× TF.js wasm at batch 64) is a matter of glue around them or of the parts
 * themselves.
 *
 * - the products: x·W per layer (forward), Xᵀ·δ per layer (weight gradients, A stored
 *   transposed), δ·Wᵀ for layers 2 and 3 (backward; layer 1 needs none) — `_sgemm`, beta = 0,
 *   without the fused bias, activation and update the step adds to them;
 * - the update: SGD with momentum over every parameter, the case of bench/batch-one-floor.ts
 *   (scaled by 16/20 B per parameter: the step fuses its update into the weight-gradient
 *   products and never stores a gradient).
 */
import { loadNative, type Kernel } from '../dist/native.js';
import { LAYERS, UPDATE_SCALE, updatePassCase } from './batch-one-floor.ts';
import { uniformArray } from './data.ts';
import { median, runSuite, type MicroCase, type MicroOptions } from './stats.ts';

/** One product of the step: C[m×n] = op(A)[m×k]·op(B)[k×n]. */
interface Product {
  readonly kind: 'forward' | 'weightGrad' | 'backward';
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

function stepProducts(batch: number): Product[] {
  const products: Product[] = [];
  LAYERS.forEach(([inputs, outputs], l) => {
    products.push({ kind: 'forward', m: batch, n: outputs, k: inputs, transA: false, transB: false });
    products.push({ kind: 'weightGrad', m: inputs, n: outputs, k: batch, transA: true, transB: false });
    if (l > 0) products.push({ kind: 'backward', m: batch, n: inputs, k: outputs, transA: false, transB: true });
  });
  return products;
}

/** One kind of product in a step: its products' summed medians (µs) and flops. */
export interface PartTime {
  readonly us: number;
  readonly flops: number;
}

export interface BatchParts {
  readonly batch: number;
  readonly products: Readonly<Record<Product['kind'], PartTime>>;
  /** The update pass (µs), scaled to the step's 16 B per parameter. */
  readonly updateUs: number;
  readonly productsUs: number;
  readonly totalUs: number;
  /** Flops of the step's products. */
  readonly flops: number;
  readonly parameters: number;
  /** The kernel's FMA peak on these threads (GFLOP/s), probed right after the parts; undefined if the addon has no probe. */
  readonly peakGflops: number | undefined;
}

export async function batchParts(batch: number, kernel: Kernel, threads: number, micro: MicroOptions): Promise<BatchParts> {
  const binding = loadNative();
  const products = stepProducts(batch);
  const cases: MicroCase[] = products.map((p, i) => {
    const a = uniformArray(p.m * p.k, 50 + i, -1, 1);
    const b = uniformArray(p.k * p.n, 60 + i, -1, 1);
    const c = new Float32Array(p.m * p.n);
    const lda = p.transA ? p.m : p.k, ldb = p.transB ? p.k : p.n;
    return { name: `product ${i}`, fn: () => binding._sgemm(p.transA, p.transB, p.m, p.n, p.k, 1, a, lda, b, ldb, 0, c, p.n, null, kernel, threads) };
  });
  const update = updatePassCase(binding, kernel, threads);
  cases.push(update.case);
  const samples = await runSuite(cases, micro);
  const probe = (binding as { _fmaPeak?: (kernel: Kernel, threads: number) => number })._fmaPeak;
  const peakGflops = typeof probe === 'function' ? probe(kernel, threads) : undefined;
  const us = (name: string) => median(samples.get(name)!) * 1e6;
  const part = (kind: Product['kind']): PartTime => products.reduce(
    (total, p, i) => (p.kind === kind ? { us: total.us + us(`product ${i}`), flops: total.flops + 2 * p.m * p.n * p.k } : total),
    { us: 0, flops: 0 },
  );
  const byKind = { forward: part('forward'), weightGrad: part('weightGrad'), backward: part('backward') };
  const updateUs = us('update') * UPDATE_SCALE;
  const productsUs = byKind.forward.us + byKind.weightGrad.us + byKind.backward.us;
  const flops = byKind.forward.flops + byKind.weightGrad.flops + byKind.backward.flops;
  return { batch, products: byKind, updateUs, productsUs, totalUs: productsUs + updateUs, flops, parameters: update.parameters, peakGflops };
}
