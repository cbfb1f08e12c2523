// SPDX-License-Identifier: MIT
// Each activation, element by element, against the reference twin's float64 rule, on every
// kernel: a 1→1 layer with weight 1 and bias 0 makes predict return f(z) for each row's z.
// The parity suites compare whole tensors (their largest error against their largest value),
// which cannot see a bad tail: tiny outputs wrong by 100% (GELU far below 0 was 0 when its
// 1 + erf cancelled) or a vectorised function a few ulp off where the values are small.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { activationForward } from '../../src/reference/activations.ts';
import { ACTIVATIONS } from '../../src/spec.ts';
import { availableKernels } from '../helpers/native.ts';

const MAX_ULP = 4;
const FLT_MIN = 2 ** -126;
const SLOPE = 0.01;

/** z from −400 to 400, dense near 0 (quadratic spacing), then ± every decade the floats hold. */
function grid(): Float32Array {
  const z: number[] = [];
  for (let i = -20_000; i <= 20_000; i++) z.push(((i / 1000) * Math.abs(i)) / 1000);
  for (let e = -44; e <= 38; e++) for (const m of [1, 1.7, 3.3]) z.push(m * 10 ** e, -m * 10 ** e);
  // The polynomial/exp switch of tanh, the flush-to-zero edge of exp, float32's range.
  z.push(0.625, -0.625, 0.62499, -87.33654, -87.3366, 88.7, -88.8, 3e38, -3e38, -0);
  return Float32Array.from(z);
}

/**
 * The error of `actual` in float32 ulps of the float64 `expected`. Training flushes subnormals
 * (float_mode.h): a result below FLT_MIN, or one computed from such a value times z, may be 0,
 * so that much absolute error is allowed first.
 */
function ulpError(actual: number, expected: number, z: number): number {
  if (Number.isNaN(expected)) return Number.isNaN(actual) ? 0 : Infinity;
  if (!Number.isFinite(expected)) return actual === expected ? 0 : Infinity;
  const slack = FLT_MIN * Math.max(1, Math.abs(z));
  const exponent = Math.max(-126, Math.floor(Math.log2(Math.abs(expected) || FLT_MIN)));
  return Math.max(0, Math.abs(actual - expected) - slack) / 2 ** (exponent - 23);
}

const z = grid();

describe.each(availableKernels())('activation values, %s kernel', (kernel) => {
  it.each(ACTIVATIONS.filter((f) => f !== 'softmax'))(`%s is within ${MAX_ULP} ulp of float64 everywhere`, (activation) => {
    const model = new Sequential({ inputSize: 1, layers: [{ units: 1, activation, leakySlope: SLOPE }], loss: 'meanSquaredError', kernel, threads: 1 });
    model.setWeights([{ kernel: new Float32Array([1]), bias: new Float32Array([0]) }]);
    const actual = model.predict({ data: z, shape: [z.length, 1] }).data;
    model.dispose();
    const expected = activationForward(activation, SLOPE, Float64Array.from(z), z.length, 1);
    let worst = 0;
    let at = 0;
    for (let i = 0; i < z.length; i++) {
      const error = ulpError(actual[i]!, expected[i]!, z[i]!);
      if (!(error <= worst)) {
        worst = error;
        at = i;
      }
    }
    expect(worst, `f(${z[at]}) = ${actual[at]}, float64 ${expected[at]}`).toBeLessThanOrEqual(MAX_ULP);
  });
});

// activation_vector.h is one source compiled for AVX2 and for AVX-512, with FMA contraction on
// in both (CMakeLists.txt): the two must make the same choices and so the same bits.
const vectorKernels = availableKernels().filter((k) => k !== 'scalar');
describe.skipIf(vectorKernels.length < 2)('activation values, AVX2 against AVX-512', () => {
  it.each(ACTIVATIONS.filter((f) => f !== 'softmax'))('%s: the same bits on both', (activation) => {
    const values = vectorKernels.map((kernel) => {
      const model = new Sequential({ inputSize: 1, layers: [{ units: 1, activation, leakySlope: SLOPE }], loss: 'meanSquaredError', kernel, threads: 1 });
      model.setWeights([{ kernel: new Float32Array([1]), bias: new Float32Array([0]) }]);
      const out = model.predict({ data: z, shape: [z.length, 1] }).data;
      model.dispose();
      return new Uint32Array(Float32Array.from(out).buffer);
    });
    const differ = values[0]!.findIndex((bits, i) => bits !== values[1]![i]);
    expect(differ, differ < 0 ? '' : `f(${z[differ]}): ${vectorKernels.join(' vs ')} differ`).toBe(-1);
  });
});
