// SPDX-License-Identifier: MIT
// A whole training run on both backends from the same seed ends with the same weights.
import { describe, expect, it } from 'vitest';
import { Adagrad } from '../../src/optimizers/adagrad.ts';
import { Adam, AdamW } from '../../src/optimizers/adam.ts';
import type { Optimizer } from '../../src/optimizers/optimizer.ts';
import { RMSprop } from '../../src/optimizers/rmsprop.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Sequential, type ModelOptions } from '../../src/model.ts';
import { Random } from '../../src/random.ts';
import { ACTIVATIONS } from '../../src/spec.ts';
import { randomMatrix, randomTargets, shaped } from '../helpers/data.ts';
import { availableKernels } from '../helpers/native.ts';
import { relativeError } from '../helpers/tolerance.ts';

// 50 steps compound float32 rounding in the native run; the reference runs in float64.
const TRAINING_TOLERANCE = 1e-4;

const OPTIMIZERS: [string, () => Optimizer][] = [
  ['SGD momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9 })],
  ['SGD Nesterov', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
  ['Adam', () => new Adam({ learningRate: 0.003 })],
  ['AdamW', () => new AdamW({ learningRate: 0.003, weightDecay: 0.05 })],
  ['RMSprop', () => new RMSprop({ learningRate: 0.003, momentum: 0.5 })],
  ['Adagrad', () => new Adagrad({ learningRate: 0.03 })],
];

/** How many elements of two float arrays differ in their bits (and by how much the lengths do). */
function differingBits(p: Float32Array, q: Float32Array): number {
  const [u, v] = [new Uint32Array(p.buffer, p.byteOffset, p.length), new Uint32Array(q.buffer, q.byteOffset, q.length)];
  let count = Math.abs(u.length - v.length);
  for (let i = 0; i < Math.min(u.length, v.length); i++) if (u[i] !== v[i]) count++;
  return count;
}

/**
 * Trains the model of `options` on 1 and 2 native threads and on the reference: the two native
 * runs must end on the same bits, and on the reference's loss, weights and optimizer slots
 * (after the weights moved by more than `moved`, or agreement would prove nothing).
 */
async function expectThreadsAndReferenceAgree(
  options: (backend: 'native' | 'reference', threads?: number) => ModelOptions,
  x: ReturnType<typeof shaped>,
  labels: Int32Array,
  fit: { epochs: number; batchSize: number; seed: number; clipValue: number },
  steps: number,
  moved: number,
): Promise<void> {
  const [one, two, reference] = [new Sequential(options('native', 1)), new Sequential(options('native', 2)), new Sequential(options('reference'))];
  const [a, b, c] = await Promise.all([one.fit(x, labels, fit), two.fit(x, labels, fit), reference.fit(x, labels, fit)]);
  expect(b.loss).toEqual(a.loss);
  const [oneWeights, twoWeights] = [one.getWeights(), two.getWeights()];
  twoWeights.forEach((layer, l) => {
    expect(differingBits(layer.kernel, oneWeights[l]!.kernel), `layer ${l} weights, 2 threads`).toBe(0);
    expect(differingBits(layer.bias, oneWeights[l]!.bias), `layer ${l} bias, 2 threads`).toBe(0);
  });
  const [sa, sb, sc] = [one.getOptimizerState(), two.getOptimizerState(), reference.getOptimizerState()];
  expect(sb.step).toBe(sa.step);
  expect(sb.slots.length).toBe(sa.slots.length);
  sb.slots.forEach((slot, i) => expect(differingBits(slot, sa.slots[i]!), `slot ${i}, 2 threads`).toBe(0));
  expect(relativeError(a.loss, c.loss)).toBeLessThan(TRAINING_TOLERANCE);
  const initial = new Sequential(options('reference')).getWeights();
  const referenceWeights = reference.getWeights();
  oneWeights.forEach((layer, l) => {
    const ref = referenceWeights[l]!;
    expect(relativeError(ref.kernel, initial[l]!.kernel), `layer ${l} moved`).toBeGreaterThan(moved);
    expect(relativeError(layer.kernel, ref.kernel), `layer ${l} weights`).toBeLessThan(TRAINING_TOLERANCE);
    expect(relativeError(layer.bias, ref.bias), `layer ${l} bias`).toBeLessThan(TRAINING_TOLERANCE);
  });
  expect(sa.step).toBe(steps);
  expect(sa.slots.length).toBe(sc.slots.length);
  sa.slots.forEach((slot, i) => expect(relativeError(slot, sc.slots[i]!)).toBeLessThan(TRAINING_TOLERANCE));
  one.dispose();
  two.dispose();
}

describe.each(availableKernels())('training parity, %s kernel', (kernel) => {
  it.each(OPTIMIZERS)('50 steps of %s end on the same weights', async (_name, optimizer) => {
    const random = new Random(4);
    const x = randomMatrix(random, 100, 12);
    const y = randomTargets(random, 'categoricalCrossEntropy', 100, 4);
    const make = (backend: 'native' | 'reference') =>
      new Sequential({
        inputSize: 12,
        layers: [{ units: 16, activation: 'gelu' }, { units: 4, activation: 'softmax' }],
        loss: 'categoricalCrossEntropy',
        optimizer: optimizer(),
        seed: 2,
        backend,
        ...(backend === 'native' ? { kernel } : {}),
      });
    const [native, reference] = [make('native'), make('reference')];
    const fit = { epochs: 5, batchSize: 10, seed: 1 };
    await native.fit(shaped(x, 100, 12), shaped(y as Float32Array, 100, 4), fit);
    await reference.fit(shaped(x, 100, 12), shaped(y as Float32Array, 100, 4), fit);
    const initial = make('reference').getWeights();
    native.getWeights().forEach((layer, l) => {
      const ref = reference.getWeights()[l]!;
      expect(relativeError(ref.kernel, initial[l]!.kernel)).toBeGreaterThan(1e-3);
      expect(relativeError(layer.kernel, ref.kernel)).toBeLessThan(TRAINING_TOLERANCE);
      expect(relativeError(layer.bias, ref.bias)).toBeLessThan(TRAINING_TOLERANCE);
    });
    const [a, b] = [native.getOptimizerState(), reference.getOptimizerState()];
    expect(a.step).toBe(50);
    expect(b.step).toBe(50);
    a.slots.forEach((slot, i) => expect(relativeError(slot, b.slots[i]!)).toBeLessThan(TRAINING_TOLERANCE));
    native.dispose();
  });

  it.each([
    { loss: 'sparseCategoricalCrossEntropy', output: 'softmax', hidden: 'relu' },
    { loss: 'meanSquaredError', output: 'linear', hidden: 'tanh' },
    { loss: 'binaryCrossEntropy', output: 'sigmoid', hidden: 'leakyRelu' },
  ] as const)('50 momentum steps, $hidden → $output with $loss, end on the same weights', async ({ loss, output, hidden }) => {
    const random = new Random(42);
    const rows = 100;
    const x = randomMatrix(random, rows, 12);
    const y = randomTargets(random, loss, rows, 4, output);
    const options = (backend: 'native' | 'reference'): ModelOptions => ({
      inputSize: 12,
      layers: [{ units: 16, activation: hidden }, { units: 8, activation: hidden }, { units: 4, activation: output }],
      loss,
      optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      seed: 9,
      backend,
      ...(backend === 'native' ? { kernel } : {}),
    });
    const native = new Sequential(options('native'));
    const reference = new Sequential(options('reference'));
    const targets = y instanceof Int32Array ? y : shaped(y, rows, 4);
    // 100 rows in batches of 10 for 5 epochs: 50 steps, shuffled with the same seed.
    const fit = { epochs: 5, batchSize: 10, seed: 123 };
    const [a, b] = await Promise.all([native.fit(shaped(x, rows, 12), targets, fit), reference.fit(shaped(x, rows, 12), targets, fit)]);
    expect(relativeError(a.loss, b.loss)).toBeLessThan(TRAINING_TOLERANCE);
    const initial = new Sequential(options('reference')).getWeights();
    native.getWeights().forEach((layer, l) => {
      const ref = reference.getWeights()[l]!;
      // The run must have moved the weights, or equality would prove nothing.
      expect(relativeError(ref.kernel, initial[l]!.kernel)).toBeGreaterThan(1e-3);
      expect(relativeError(layer.kernel, ref.kernel)).toBeLessThan(TRAINING_TOLERANCE);
      expect(relativeError(layer.bias, ref.bias)).toBeLessThan(TRAINING_TOLERANCE);
    });
    native.dispose();
  });

  // Batches of more than 4 rows update each block of ∂L/∂W as its product finishes it (the
  // penalties and the clamp applied to the block first), then the bias. Batches of 128 rows on 2
  // threads: the 512×64 second-layer product is split between the threads by rows, several
  // blocks each; the first layer's 10 rows of W are one row panel on the AVX-512 tile, so its
  // product is split by columns and the update runs on parts of rows. Either way the threads'
  // blocks must update every parameter once: same bits on 1 and 2 threads, and the reference's
  // weights and momenta.
  it('4 momentum steps of 128-row batches with penalties and clipValue, on 1 and 2 threads', async () => {
    const random = new Random(11);
    const rows = 256;
    const x = shaped(randomMatrix(random, rows, 10), rows, 10);
    const labels = Int32Array.from({ length: rows }, () => random.below(4));
    const options = (backend: 'native' | 'reference', threads = 1): ModelOptions => ({
      inputSize: 10,
      layers: [{ units: 512, activation: 'relu', l1: 1e-4, l2: 1e-3 }, { units: 64, activation: 'tanh', l2: 1e-3 }, { units: 4, activation: 'softmax' }],
      loss: 'sparseCategoricalCrossEntropy',
      optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      seed: 6,
      backend,
      ...(backend === 'native' ? { kernel, threads } : {}),
    });
    await expectThreadsAndReferenceAgree(options, x, labels, { epochs: 2, batchSize: 128, seed: 8, clipValue: 0.02 }, 4, 1e-3);
  });

  // The first layer's ∂L/∂W product has 130 rows (more than the small-m schedule takes) and
  // 4,100 columns (more than one 4,096-wide column block): each block of it goes to the product's
  // own buffer, not to the gradient buffer, and the update reads it there row by row, rows 4,096
  // and 4 floats long (Epilogue::c_scratch in native/core/gemm.h). Every parameter must still be
  // updated once, from its own gradient.
  it('2 momentum steps through a 130-input, 4,100-unit layer with penalties and clipValue, on 1 and 2 threads', async () => {
    const random = new Random(12);
    const rows = 16;
    const x = shaped(randomMatrix(random, rows, 130), rows, 130);
    const labels = Int32Array.from({ length: rows }, () => random.below(3));
    const options = (backend: 'native' | 'reference', threads = 1): ModelOptions => ({
      inputSize: 130,
      layers: [{ units: 4100, activation: 'tanh', l1: 1e-4, l2: 1e-3 }, { units: 3, activation: 'softmax' }],
      loss: 'sparseCategoricalCrossEntropy',
      optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      seed: 7,
      backend,
      ...(backend === 'native' ? { kernel, threads } : {}),
    });
    await expectThreadsAndReferenceAgree(options, x, labels, { epochs: 1, batchSize: 8, seed: 5, clipValue: 0.002 }, 2, 1e-4);
  });

  // Batches of 1–4 rows take the fused path: each row of ∂L/∂W is formed inside the optimizer's
  // loop, and the layer's backward product δ·Wᵀ inside the same pass over W (then f' of the layer
  // below on whole rows). Every activation's f' goes through that path here.
  it.each(ACTIVATIONS)('20 momentum steps of batches of 1, 2, 3 and 4 with %s hidden layers end on the same weights', async (hidden) => {
    for (const batchSize of [1, 2, 3, 4]) {
      const random = new Random(batchSize);
      const rows = batchSize * 10;
      const x = randomMatrix(random, rows, 12);
      const labels = Int32Array.from({ length: rows }, () => random.below(4));
      const options = (backend: 'native' | 'reference'): ModelOptions => ({
        inputSize: 12,
        layers: [{ units: 16, activation: hidden }, { units: 24, activation: hidden }, { units: 4, activation: 'softmax' }],
        loss: 'sparseCategoricalCrossEntropy',
        optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
        seed: 5,
        backend,
        ...(backend === 'native' ? { kernel } : {}),
      });
      const native = new Sequential(options('native'));
      const reference = new Sequential(options('reference'));
      const fit = { epochs: 2, batchSize, seed: 7 };
      const [a, b] = await Promise.all([native.fit(shaped(x, rows, 12), labels, fit), reference.fit(shaped(x, rows, 12), labels, fit)]);
      expect(relativeError(a.loss, b.loss), `batch ${batchSize} loss`).toBeLessThan(TRAINING_TOLERANCE);
      const initial = new Sequential(options('reference')).getWeights();
      native.getWeights().forEach((layer, l) => {
        const ref = reference.getWeights()[l]!;
        expect(relativeError(ref.kernel, initial[l]!.kernel), `batch ${batchSize} layer ${l} moved`).toBeGreaterThan(1e-3);
        expect(relativeError(layer.kernel, ref.kernel), `batch ${batchSize} layer ${l} weights`).toBeLessThan(TRAINING_TOLERANCE);
        expect(relativeError(layer.bias, ref.bias), `batch ${batchSize} layer ${l} bias`).toBeLessThan(TRAINING_TOLERANCE);
      });
      native.dispose();
    }
  });
  // Unshuffled, each batch's rows are consecutive rows of x, and the native core reads them (and
  // their targets) in place instead of gathering them: batches of 7 over 30 rows end on a
  // partial batch of 2, and batch size 1 takes the path that starts each step's product early.
  it.each([
    ['labels', 'sparseCategoricalCrossEntropy', 7],
    ['target rows', 'meanSquaredError', 7],
    ['labels, batches of 1', 'sparseCategoricalCrossEntropy', 1],
  ] as const)('unshuffled epochs read in place (%s) end on the same weights', async (_name, loss, batchSize) => {
    const random = new Random(13);
    const x = randomMatrix(random, 30, 5);
    const y = randomTargets(random, loss, 30, 3);
    const options = (backend: 'native' | 'reference'): ModelOptions => ({
      inputSize: 5,
      layers: [{ units: 8, activation: 'tanh' }, { units: 3, activation: loss === 'meanSquaredError' ? 'linear' : 'softmax' }],
      loss,
      optimizer: new SGD({ learningRate: 0.1, momentum: 0.5 }),
      seed: 4,
      backend,
      ...(backend === 'native' ? { kernel } : {}),
    });
    const [native, reference] = [new Sequential(options('native')), new Sequential(options('reference'))];
    const targets = y instanceof Int32Array ? y : shaped(y, 30, 3);
    const fit = { epochs: 3, batchSize, shuffle: false };
    const [a, b] = await Promise.all([native.fit(shaped(x, 30, 5), targets, fit), reference.fit(shaped(x, 30, 5), targets, fit)]);
    expect(relativeError(a.loss, b.loss)).toBeLessThan(TRAINING_TOLERANCE);
    const initial = new Sequential(options('reference')).getWeights();
    native.getWeights().forEach((layer, l) => {
      const ref = reference.getWeights()[l]!;
      expect(relativeError(ref.kernel, initial[l]!.kernel), `layer ${l} moved`).toBeGreaterThan(1e-3);
      expect(relativeError(layer.kernel, ref.kernel), `layer ${l} weights`).toBeLessThan(TRAINING_TOLERANCE);
      expect(relativeError(layer.bias, ref.bias), `layer ${l} bias`).toBeLessThan(TRAINING_TOLERANCE);
    });
    native.dispose();
  });
});
