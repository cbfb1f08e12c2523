// SPDX-License-Identifier: MIT
// At batch size 1 the native core forms each step's layer-0 product during the previous step's
// update of W_0 (Mlp::layer0_ahead), except on the first step of each native call, where it
// forms it from scratch. Both must give the same bits, or results would depend on how fit cuts
// its work into calls: a batch callback makes every step its own call (always from scratch),
// without one the whole run is one call (ahead after its first step). Also held on 1 and 2
// threads (the layer is big enough for the partial sums to be split between them), with dropout
// on layer 0, an L2 penalty and a per-step schedule in play, and to the reference twin. The
// one-call runs take 120 steps, so on 2 threads they pass through both sides of the native
// thread choice (native/core/thread_choice.h: 32 steps on all threads, 32 on one, then the
// faster of the two).
import { describe, expect, it } from 'vitest';
import { Sequential, type FitOptions, type ModelOptions } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Random } from '../../src/random.ts';
import { cosineAnnealing } from '../../src/train/schedules.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { relativeError } from '../helpers/tolerance.ts';

const random = new Random(8);
const rows = 60;
const inputs = 120;
const x = shaped(randomMatrix(random, rows, inputs), rows, inputs);
const labels = Int32Array.from({ length: rows }, () => random.below(6));

const options = (backend: 'native' | 'reference', threads: number, optimizer: () => SGD | Adam): ModelOptions => ({
  inputSize: inputs,
  // 120 × 300 weights: past the size at which the partial sums go to the thread pool.
  layers: [{ units: 300, activation: 'relu', l2: 1e-4 }, { dropout: 0.2 }, { units: 6, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: optimizer(),
  seed: 2,
  backend,
  ...(backend === 'native' ? { threads } : {}),
});
const fit = (extra: Partial<FitOptions> = {}): FitOptions => ({
  epochs: 2, batchSize: 1, seed: 6, schedule: cosineAnnealing({ period: 2, minLearningRate: 1e-3 }), ...extra,
});

function bytes(model: Sequential): Buffer[] {
  return [
    ...model.getWeights().flatMap((w) => [Buffer.from(w.kernel.buffer), Buffer.from(w.bias.buffer)]),
    ...model.getOptimizerState().slots.map((s) => Buffer.from(s.buffer)),
  ];
}

describe.each([
  ['SGD momentum', () => new SGD({ learningRate: 0.02, momentum: 0.9 })],
  ['Adam', () => new Adam({ learningRate: 1e-3 })],
] as const)('batch size 1, %s', (_name, optimizer) => {
  it('gives the same bits in one call, in one call per step, and on 2 threads', async () => {
    const oneCall = new Sequential(options('native', 1, optimizer));
    const perStep = new Sequential(options('native', 1, optimizer));
    const twoThreads = new Sequential(options('native', 2, optimizer));
    let steps = 0;
    const history = await oneCall.fit(x, labels, fit());
    await perStep.fit(x, labels, fit({ callbacks: [{ onBatchEnd: () => void steps++ }] }));
    await twoThreads.fit(x, labels, fit());
    expect(steps).toBe(2 * rows);
    expect(history.loss[1]).toBeLessThan(history.loss[0]!);
    const expected = bytes(oneCall);
    for (const other of [perStep, twoThreads]) {
      bytes(other).forEach((buffer, i) => expect(buffer.equals(expected[i]!), `buffer ${i}`).toBe(true));
    }
    for (const model of [oneCall, perStep, twoThreads]) model.dispose();
  });

  it('trains to the reference\'s weights', async () => {
    // Both backends draw the same dropout masks (one generator per step and layer, see
    // Mlp::forward), so the two runs can be compared weight by weight.
    const native = new Sequential(options('native', 2, optimizer));
    const reference = new Sequential(options('reference', 1, optimizer));
    await native.fit(x, labels, fit());
    await reference.fit(x, labels, fit());
    native.getWeights().forEach((layer, l) => {
      const ref = reference.getWeights()[l]!;
      expect(relativeError(layer.kernel, ref.kernel), `layer ${l} weights`).toBeLessThan(1e-4);
      expect(relativeError(layer.bias, ref.bias), `layer ${l} bias`).toBeLessThan(1e-4);
    });
    native.dispose();
  });
});
