// SPDX-License-Identifier: MIT
// Many models training at once, under a load of predict calls on other models, give exactly the
// results they give one after another.
import { expect, it } from 'vitest';
import { Sequential, type ModelOptions } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';

const random = new Random(6);
const rows = 256;
const x = shaped(randomMatrix(random, rows, 100), rows, 100);
const y = Int32Array.from({ length: rows }, () => random.below(5));
const options = (seed: number): ModelOptions => ({
  inputSize: 100,
  layers: [{ units: 128, activation: 'tanh' }, { units: 5, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
  backend: 'native',
  seed,
});
// Long enough that the predict loop runs many times while the fits are in flight, on a fast
// machine too (at 30 epochs it once managed only 5 rounds).
const fit = { epochs: 120, batchSize: 32, seed: 2 };

it('six models training at once under parallel predicts match their sequential results', async () => {
  const seeds = [1, 2, 3, 4, 5, 6];
  const expected: Buffer[] = [];
  for (const seed of seeds) {
    const model = new Sequential(options(seed));
    await model.fit(x, y, fit);
    expected.push(Buffer.from(model.getWeights()[0]!.kernel.buffer));
    model.dispose();
  }
  const predictors = [new Sequential(options(10)), new Sequential(options(11))];
  const reference = predictors.map((p) => p.predict(x).data);
  const models = seeds.map((seed) => new Sequential(options(seed)));
  let predictions = 0;
  let training = true;
  const load = (async () => {
    while (training) {
      predictors.forEach((p, i) => expect(p.predict(x).data).toEqual(reference[i]));
      predictions++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await Promise.all(models.map((model) => model.fit(x, y, fit)));
  training = false;
  await load;
  expect(predictions).toBeGreaterThan(5);
  models.forEach((model, i) => expect(Buffer.from(model.getWeights()[0]!.kernel.buffer).equals(expected[i]!)).toBe(true));
});
