// SPDX-License-Identifier: MIT
// The addon's finiteness scans, which input validation uses for borrowed Float32Arrays once the
// addon is loaded (src/tensor.ts): firstNonFinite on the calling thread, firstNonFiniteAsync on a
// pool thread (fit's data). Each finds the first NaN or ±Infinity anywhere, including the edges of
// its 1024-value blocks and arrays that start inside a buffer, and toMatrix gives the same error
// as before.
import { describe, expect, it } from 'vitest';
import { FastpropError } from '../../src/errors.ts';
import { toMatrix } from '../../src/tensor.ts';
import { nativeBinding } from '../helpers/native.ts';

const binding = nativeBinding();
const finite = () => Float32Array.from({ length: 5000 }, (_, i) => (i % 7) - 3 + i * 1e-3);

describe.each([
  ['firstNonFinite', (values: Float32Array) => Promise.resolve(binding.firstNonFinite(values))],
  ['firstNonFiniteAsync', (values: Float32Array) => binding.firstNonFiniteAsync(values)],
] as const)('%s (native)', (name, scan) => {
  it('returns -1 when every value is finite, including the extremes', async () => {
    const values = finite();
    values.set([3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0, 0], 100);
    expect(await scan(values)).toBe(-1);
    expect(await scan(new Float32Array(0))).toBe(-1);
  });

  it.each([0, 1, 1023, 1024, 1025, 2047, 4999])('finds NaN, Infinity and -Infinity at index %i', async (at) => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const values = finite();
      values[at] = bad;
      values[4999 - Math.floor((4999 - at) / 2)] = bad; // a later one must not win
      expect(await scan(values)).toBe(at);
    }
  });

  it('counts from the start of a subarray, not of its buffer', async () => {
    const values = finite();
    values[10] = Number.NaN;
    values[3000] = Number.NaN;
    expect(await scan(values.subarray(5))).toBe(5);
    expect(await scan(values.subarray(11))).toBe(2989);
    expect(await scan(values.subarray(11, 2000))).toBe(-1);
  });

  it('rejects anything but a Float32Array with a TypeError, at once', () => {
    for (const bad of [new Float64Array(3), [1, 2], undefined, 'x']) {
      expect(() => binding[name](bad as unknown as Float32Array)).toThrow(TypeError);
    }
  });
});

describe('toMatrix with the native scan', () => {
  it('gives toMatrix the same error, naming the first bad value', () => {
    const values = finite();
    values[1024 + 7] = Number.POSITIVE_INFINITY;
    values[4000] = Number.NaN;
    let error: unknown;
    try {
      toMatrix({ data: values, shape: [50, 100] }, 'x');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FastpropError);
    expect((error as FastpropError).message).toBe('x contains Infinity at row 10, column 31: every value must be a finite number');
  });
});
