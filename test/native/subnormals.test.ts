// SPDX-License-Identifier: MIT
// On x86-64 the native core computes with subnormal floats flushed to zero (native/core/
// float_mode.h): on the calling thread for the length of a core call, on the pool's workers for
// life; the caller's own mode is put back afterwards. Other architectures keep subnormals.
import { describe, expect, it } from 'vitest';
import { Sequential, SGD } from '../../src/index.ts';
import { availableKernels, nativeBinding } from '../helpers/native.ts';

const flushes = process.arch === 'x64';
const tiny = 1e-20;  // tiny·tiny = 1e-40, below the smallest normal float (1.18e-38)

/** x·w + 0 with one weight, native on 1 thread. */
function oneWeightModel(weight: number): Sequential {
  const model = new Sequential({
    inputSize: 1,
    layers: [{ units: 1, activation: 'linear' }],
    loss: 'meanSquaredError',
    optimizer: new SGD({ learningRate: 1 }),
    seed: 1,
    threads: 1,
  });
  model.setWeights([{ kernel: new Float32Array([weight]), bias: new Float32Array([0]) }]);
  return model;
}

describe(`subnormal floats in the native core (${flushes ? 'flushed to zero' : 'kept'} on ${process.arch})`, () => {
  it('predict: a subnormal product comes out as zero, and the caller\'s thread keeps subnormals', () => {
    const model = oneWeightModel(tiny);
    const out = model.predict({ data: new Float32Array([tiny]), shape: [1, 1] }).data[0]!;
    expect(out).toBe(flushes ? 0 : Math.fround(Math.fround(tiny) * Math.fround(tiny)));
    // The JS thread's own float mode is back as it was: doubles and float stores keep subnormals.
    const small = Number.MIN_VALUE * 3;
    expect(small / 3).toBe(Number.MIN_VALUE);
    expect(new Float32Array([1e-40])[0]).toBeGreaterThan(0);
    model.dispose();
  });

  it('fit: a subnormal weight gradient leaves the weight as it was', async () => {
    // w = 0, x = 1e-20, y = 1e-20: δ = 2(wx − y) = −2e-20 is normal, so the bias moves;
    // ∂L/∂w = δ·x = −2e-40 is subnormal, so w moves only if subnormals are kept.
    const model = oneWeightModel(0);
    await model.fit({ data: new Float32Array([tiny]), shape: [1, 1] }, { data: new Float32Array([tiny]), shape: [1, 1] }, {
      epochs: 1, batchSize: 1, shuffle: false,
    });
    const [layer] = model.getWeights();
    expect(layer!.bias[0]).toBeGreaterThan(0);
    if (flushes) expect(layer!.kernel[0]).toBe(0);
    else expect(layer!.kernel[0]).toBeGreaterThan(0);
    model.dispose();
  });

  it.each(availableKernels())('sgemm (%s) on 2 threads: the pool worker\'s rows are flushed like the caller\'s', (kernel) => {
    // Big enough to split between the two threads on every kernel; every element is 64 · 1e-40
    // = 6.4e-39, subnormal. Which thread takes which task depends on timing (a sleeping worker
    // may wake late), so the 2-thread call runs several times.
    const m = 1024, n = 512, k = 64;
    const a = new Float32Array(m * k).fill(tiny), b = new Float32Array(k * n).fill(tiny);
    const one = new Float32Array(m * n).fill(Number.NaN);
    const binding = nativeBinding();
    binding._sgemm(false, false, m, n, k, 1, a, k, b, n, 0, one, n, null, kernel, 1);
    if (flushes) {
      expect(one.every((v) => v === 0)).toBe(true);
    } else {
      expect(one.every((v) => v > 0 && v < 1.18e-38)).toBe(true);
    }
    for (let run = 0; run < 8; run++) {
      const two = new Float32Array(m * n).fill(Number.NaN);
      binding._sgemm(false, false, m, n, k, 1, a, k, b, n, 0, two, n, null, kernel, 2);
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer)), `run ${run}`).toBe(true);
    }
  });
});
