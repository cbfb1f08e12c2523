// SPDX-License-Identifier: MIT
// Property-based fuzzing of the raw native binding: random shapes (0, 1, huge), random element
// types, arrays shorter than their stated shape, detached buffers, NaN/Infinity/-0/denormals,
// absurd sizes. Every call must end in a result or a JS error — never a crash, hang or abort
// (a crash takes the test process down, which vitest reports as a failure).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NativeModelHandle } from '../../src/native.ts';
import { nativeBinding } from '../helpers/native.ts';

const binding = nativeBinding();
const RUNS = 300;

const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'elu', 'gelu', 'softplus', 'silu'];
const LOSSES = ['meanSquaredError', 'halfSquaredError', 'meanAbsoluteError', 'binaryCrossEntropy', 'categoricalCrossEntropy', 'sparseCategoricalCrossEntropy', 'huber'];

/** Sizes that stress the checks: zero, one, ordinary, and absurd. */
const size = fc.oneof(fc.constantFrom(0, 1, 2, 3, 2 ** 24, 2 ** 31, 2 ** 32, 2 ** 53, -1, 1.5, NaN, Infinity), fc.integer({ min: 0, max: 40 }));
/** Floats including the awkward ones. */
const float = fc.oneof(fc.float({ noNaN: false }), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e-45, 3.4e38));

/** A typed array of a random element type, length, and sometimes detached. */
const anyArray = fc
  .record({
    kind: fc.constantFrom('f32', 'f64', 'i32', 'u32', 'u8', 'plain', 'detached', 'undefined'),
    length: fc.integer({ min: 0, max: 200 }),
    fill: float,
  })
  .map(({ kind, length, fill }) => {
    switch (kind) {
      case 'f32': return new Float32Array(length).fill(fill);
      case 'f64': return new Float64Array(length).fill(fill);
      case 'i32': return new Int32Array(length).fill(Math.trunc(fill) || 0);
      case 'u32': return new Uint32Array(length).fill(Math.abs(Math.trunc(fill)) || 0);
      case 'u8': return new Uint8Array(length);
      case 'plain': return Array.from({ length }, () => fill);
      case 'detached': {
        const a = new Float32Array(length);
        structuredClone(a.buffer, { transfer: [a.buffer] });
        return a;
      }
      default: return undefined;
    }
  });

const spec = fc.record({
  layers: fc.array(
    fc.record({ inputs: size, units: size, activation: fc.constantFrom(...ACTIVATIONS, 'nope'), leakySlope: float, dropout: fc.oneof(fc.constant(undefined), float), l1: fc.oneof(fc.constant(undefined), float) }),
    { maxLength: 4 },
  ),
  loss: fc.constantFrom(...LOSSES, 'nope'),
});

/** Calls fn; passes when it returns or throws a JS Error (anything but a crash). */
function survives(fn: () => unknown): true {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
  }
  return true;
}

function validModel(): NativeModelHandle {
  return new binding.NativeModel(
    { layers: [{ inputs: 3, units: 4, activation: 'tanh', leakySlope: 0 }, { inputs: 4, units: 2, activation: 'softmax', leakySlope: 0 }], loss: 'sparseCategoricalCrossEntropy' },
    { threads: 2 },
  );
}
const PARAMS = 4 * 4 + 5 * 2;

describe('fuzzing the native binding', () => {
  it('constructs models from random specs or throws a JS error', () => {
    fc.assert(fc.property(spec, fc.record({ threads: fc.oneof(fc.constant(undefined), size) }), (s, options) =>
      survives(() => new binding.NativeModel(s as never, options as never).dispose())), { numRuns: RUNS });
  });

  it('predict, gradients and evaluate survive random arguments', () => {
    const model = validModel();
    fc.assert(
      fc.property(anyArray, anyArray, size, anyArray, (params, x, rows, out) => {
        survives(() => model.predict(params as never, x as never, rows, out as never));
        survives(() => model.gradients(params as never, x as never, out as never, rows, params as never));
        survives(() => model.evaluate(params as never, x as never, out as never, rows));
        return true;
      }),
      { numRuns: RUNS },
    );
    model.dispose();
  });

  it('train survives random jobs (and settles every promise it returns)', async () => {
    const model = validModel();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          params: anyArray, grads: anyArray, x: anyArray, targets: anyArray, order: anyArray,
          datasetRows: size, epochRows: size, epochs: size, batchSize: size, firstBatch: size, batchCount: size,
          clipValue: float, clipNorm: float, firstStep: size,
          learningRates: fc.oneof(fc.constant(undefined), anyArray),
        }),
        async (job) => {
          const full = { ...job, slots: [], optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false, beta1: 0, beta2: 0, rho: 0, epsilon: 0, weightDecay: 0 } };
          let running: Promise<unknown> | undefined;
          survives(() => (running = model.train(full as never)));
          if (running) await running.catch((e: unknown) => expect(e).toBeInstanceOf(Error));
          return true;
        },
      ),
      { numRuns: RUNS },
    );
    model.dispose();
  });

  it('valid shapes with hostile values (NaN, Infinity, -0, denormals) give results or errors', async () => {
    const model = validModel();
    await fc.assert(
      fc.asyncProperty(fc.array(float, { minLength: PARAMS, maxLength: PARAMS }), fc.array(float, { minLength: 9, maxLength: 9 }), async (p, xs) => {
        const params = Float32Array.from(p);
        const x = Float32Array.from(xs);
        const out = new Float32Array(6);
        model.predict(params, x, 3, out); // must not throw: garbage in, garbage out
        const labels = new Int32Array([0, 1, 1]);
        const result = await model.train({
          params, grads: new Float32Array(PARAMS), slots: [], optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false, beta1: 0, beta2: 0, rho: 0, epsilon: 0, weightDecay: 0 },
          firstStep: 1, clipValue: 0, clipNorm: 0, x, targets: labels, datasetRows: 3, order: new Uint32Array([0, 1, 2]), epochRows: 3, epochs: 1, batchSize: 2, firstBatch: 0, batchCount: 2,
        } as never);
        expect(['completed', 'nonFiniteLoss', 'nonFiniteWeights']).toContain(result.stopReason);
        return true;
      }),
      { numRuns: RUNS },
    );
    model.dispose();
  });

  it('_sgemm survives random shapes, strides and arrays', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), size, size, size, size, size, size, anyArray, anyArray, anyArray, anyArray, (ta, tb, m, n, k, lda, ldb, ldc, a, b, c, bias) =>
        survives(() => binding._sgemm(ta, tb, m, n, k, 1, a as never, lda, b as never, ldb, 0, c as never, ldc, bias as never, 'scalar', 1))),
      { numRuns: RUNS },
    );
  });
});
