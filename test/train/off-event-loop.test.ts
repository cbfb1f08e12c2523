// SPDX-License-Identifier: MIT
// Native fit runs on a worker thread: several fits can be in flight at once with the same
// results as one after another, and inputs are left untouched. (That the event loop keeps
// serving meanwhile is test/train/event-loop-lag.test.ts.)
import { expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { labelledRows, nativeMlp } from '../helpers/native-mlp.ts';

it('trains several models at once with the same results as one after another', async () => {
  const { x, labels } = labelledRows(512);
  const fit = { epochs: 2, batchSize: 32, seed: 5 };
  const sequential: Float32Array[][] = [];
  for (const seed of [1, 2, 3]) {
    const model = new Sequential(nativeMlp(seed));
    await model.fit(x, labels, fit);
    sequential.push(model.getWeights().map((w) => w.kernel));
    model.dispose();
  }
  const models = [1, 2, 3].map((seed) => new Sequential(nativeMlp(seed)));
  await Promise.all(models.map((model) => model.fit(x, labels, fit)));
  models.forEach((model, i) => {
    model.getWeights().forEach((w, l) => expect(Buffer.from(w.kernel.buffer).equals(Buffer.from(sequential[i]![l]!.buffer))).toBe(true));
    model.dispose();
  });
});

it('does not mutate the inputs passed to fit', async () => {
  const { x, labels } = labelledRows(256);
  const xBefore = x.data.slice();
  const labelsBefore = labels.slice();
  const model = new Sequential(nativeMlp(1));
  await model.fit(x, labels, { epochs: 1, batchSize: 32 });
  expect(x.data).toEqual(xBefore);
  expect(labels).toEqual(labelsBefore);
  model.dispose();
});
