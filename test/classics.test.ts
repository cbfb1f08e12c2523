// SPDX-License-Identifier: MIT
// The classic textbook examples, on both backends.
import { describe, expect, it } from 'vitest';
import { SGD } from '../src/optimizers/sgd.ts';
import { Sequential } from '../src/model.ts';
import { Random } from '../src/random.ts';

describe.each(['native', 'reference'] as const)('classic examples on the %s backend', (backend) => {
  it('one linear neuron: loss 0.045, then w = 0.53 and b = 0.03 after one step', async () => {
    const model = new Sequential({
      inputSize: 1,
      layers: [{ units: 1, activation: 'linear' }],
      loss: 'halfSquaredError',
      optimizer: new SGD({ learningRate: 0.1 }),
      backend,
    });
    model.setWeights([{ kernel: [0.5], bias: [0] }]);
    // y = 0.5, t = 0.8: L = ½(0.5 − 0.8)² = 0.045; ∂L/∂w = (y − t)·x = −0.3, ∂L/∂b = −0.3.
    expect(model.evaluate([[1]], [[0.8]]).loss).toBeCloseTo(0.045, 6);
    const grads = model.gradients([[1]], [[0.8]]);
    expect(grads.layers[0]!.kernel[0]).toBeCloseTo(-0.3, 6);
    expect(grads.layers[0]!.bias[0]).toBeCloseTo(-0.3, 6);
    await model.fit([[1]], [[0.8]], { epochs: 1, batchSize: 1 });
    const [layer] = model.getWeights();
    expect(layer!.kernel[0]).toBeCloseTo(0.53, 6);
    expect(layer!.bias[0]).toBeCloseTo(0.03, 6);
    model.dispose();
  });

  it('XOR with a 2-4-1 sigmoid network and binary cross-entropy reaches 100% accuracy', async () => {
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const y = [[0], [1], [1], [0]];
    const model = new Sequential({
      inputSize: 2,
      layers: [{ units: 4, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
      loss: 'binaryCrossEntropy',
      optimizer: new SGD({ learningRate: 0.5, momentum: 0.9 }),
      seed: 3,
      backend,
    });
    const before = model.evaluate(x, y);
    const history = await model.fit(x, y, { epochs: 2000, batchSize: 4 });
    expect(history.loss).toHaveLength(2000);
    expect(history.loss.at(-1)!).toBeLessThan(before.loss / 10);
    const after = model.evaluate(x, y);
    expect(after.accuracy).toBe(1);
    expect(model.predict(x).map(([p]) => Math.round(p!))).toEqual([0, 1, 1, 0]);
    model.dispose();
  });

  it('softmax regression (2 inputs → 3 classes) learns a separable problem', async () => {
    const random = new Random(11);
    const centres = [[-2, -2], [2, -2], [0, 2]] as const;
    const sample = (n: number) => {
      const x: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const label = i % 3;
        x.push([centres[label]![0] + random.uniform(-0.8, 0.8), centres[label]![1] + random.uniform(-0.8, 0.8)]);
        labels.push(label);
      }
      return { x, labels, oneHot: labels.map((l) => [0, 1, 2].map((c) => Number(c === l))) };
    };
    const train = sample(300);
    const test = sample(150);
    const model = new Sequential({
      inputSize: 2,
      layers: [{ units: 3, activation: 'softmax' }],
      loss: 'categoricalCrossEntropy',
      optimizer: new SGD({ learningRate: 0.1 }),
      seed: 1,
      backend,
    });
    const history = await model.fit(train.x, train.oneHot, { epochs: 30, batchSize: 16 });
    expect(history.accuracy!.at(-1)).toBe(1);
    expect(model.evaluate(test.x, test.oneHot).accuracy).toBe(1);
    model.dispose();
  });
});
