// SPDX-License-Identifier: MIT
// Every optimizer against hand-computed values of its published update rule, on both backends.
// The expected numbers were computed independently (in Python, from the papers' / PyTorch's
// formulas) for one linear neuron y = w·x + b with x = 1, target 0 and loss ½y², so that
// g_w = g_b = w + b, starting from w = 0.5, b = 0.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { Adagrad } from '../../src/optimizers/adagrad.ts';
import { Adam, AdamW } from '../../src/optimizers/adam.ts';
import type { Optimizer } from '../../src/optimizers/optimizer.ts';
import { RMSprop } from '../../src/optimizers/rmsprop.ts';
import { SGD } from '../../src/optimizers/sgd.ts';

const CASES: [name: string, make: () => Optimizer, steps: [w: number, b: number][]][] = [
  ['SGD momentum 0.9', () => new SGD({ learningRate: 0.1, momentum: 0.9 }), [[0.45, -0.05], [0.365, -0.135], [0.2655, -0.2345]]],
  ['SGD Nesterov', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [[0.405, -0.095], [0.3056, -0.1944], [0.222912, -0.277088]]],
  ['Adam', () => new Adam({ learningRate: 0.1 }), [[0.400000002, -0.099999998], [0.304250987, -0.195749013], [0.219791675, -0.280208325]]],
  ['AdamW', () => new AdamW({ learningRate: 0.1, weightDecay: 0.1 }), [[0.395000002, -0.099999998], [0.295520143, -0.194529857], [0.208856939, -0.276292561]]],
  ['RMSprop', () => new RMSprop({ learningRate: 0.1, rho: 0.9 }), [[0.183772254, -0.316227746], [0.268822244, -0.231177756], [0.243425426, -0.256574574]]],
  ['RMSprop momentum', () => new RMSprop({ learningRate: 0.1, rho: 0.9, momentum: 0.5 }), [[0.183772254, -0.316227746], [0.110708371, -0.389291629], [0.23612738, -0.26387262]]],
  ['Adagrad', () => new Adagrad({ learningRate: 0.1 }), [[0.4, -0.1], [0.348550424, -0.151449576], [0.3165279, -0.1834721]]],
];

describe.each(['native', 'reference'] as const)('update rules on the %s backend', (backend) => {
  it.each(CASES)('%s matches the published rule for three steps', async (_name, make, steps) => {
    const model = new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'halfSquaredError', optimizer: make(), backend });
    model.setWeights([{ kernel: [0.5], bias: [0] }]);
    for (const [w, b] of steps) {
      await model.fit([[1]], [[0]], { epochs: 1, batchSize: 1 });
      const [layer] = model.getWeights();
      expect(layer!.kernel[0]).toBeCloseTo(w, 6);
      expect(layer!.bias[0]).toBeCloseTo(b, 6);
    }
    model.dispose();
  });
});

describe('optimizer state', () => {
  it('can be read and restored to resume training exactly', async () => {
    const make = () => new Sequential({ inputSize: 3, layers: [{ units: 5, activation: 'tanh' }, { units: 2 }], loss: 'meanSquaredError', optimizer: new Adam({ learningRate: 0.01 }), seed: 4, backend: 'native' });
    const x = [[0.1, 0.2, 0.3], [0.3, -0.1, 0.5], [-0.4, 0.2, 0.1]];
    const y = [[1, 0], [0, 1], [0.5, 0.5]];
    const straight = make();
    await straight.fit(x, y, { epochs: 4, batchSize: 2, seed: 1 });
    const weights = straight.getWeights();
    const state = straight.getOptimizerState();
    expect(state.step).toBe(8);
    expect(state.slots).toHaveLength(2);
    await straight.fit(x, y, { epochs: 4, batchSize: 2, seed: 2 });

    const resumed = make();
    resumed.setWeights(weights);
    resumed.setOptimizerState(state);
    await resumed.fit(x, y, { epochs: 4, batchSize: 2, seed: 2 });
    resumed.getWeights().forEach((layer, l) => {
      expect(Buffer.from(layer.kernel.buffer).equals(Buffer.from(straight.getWeights()[l]!.kernel.buffer))).toBe(true);
    });
    // Without the state, Adam restarts its moments and bias correction: a different result.
    const fresh = make();
    fresh.setWeights(weights);
    await fresh.fit(x, y, { epochs: 4, batchSize: 2, seed: 2 });
    expect(Buffer.from(fresh.getWeights()[0]!.kernel.buffer).equals(Buffer.from(straight.getWeights()[0]!.kernel.buffer))).toBe(false);
  });

  it('rejects state for another optimizer', () => {
    const model = new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: new Adam() });
    expect(() => model.setOptimizerState({ step: 1, slots: [new Float32Array(2)] })).toThrow('Expected 2 optimizer state buffers for this optimizer, got 1');
  });
});
