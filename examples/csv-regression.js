// SPDX-License-Identifier: MIT
// Regression from a CSV file: predict a house price from its rooms, area and age. The example
// writes its own small CSV (400 houses from a known formula plus noise) to a temp folder, then
// reads it with loadCsv, splits it, standardises the inputs with statistics of the training rows
// only (stored in the model), trains a small network on the mean squared error and reports the
// mean absolute error on the held-out houses.
//
//   node examples/csv-regression.js [--epochs N]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Adam, loadCsv, Normalizer, Sequential } from '../dist/index.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '200' } } });

// price (k€) = 40·rooms + 1.5·area − 0.8·age + 50, plus noise of ±10.
let seed = 42;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const lines = ['rooms,area,age,price'];
for (let i = 0; i < 400; i++) {
  const rooms = 1 + Math.floor(random() * 6);
  const area = 25 + rooms * 18 + random() * 30;
  const age = Math.floor(random() * 80);
  const price = 40 * rooms + 1.5 * area - 0.8 * age + 50 + (random() - 0.5) * 20;
  lines.push(`${rooms},${area.toFixed(1)},${age},${price.toFixed(1)}`);
}
const dir = mkdtempSync(join(tmpdir(), 'fastprop-example-'));
const file = join(dir, 'houses.csv');
writeFileSync(file, `${lines.join('\n')}\n`);

try {
  const data = await loadCsv(file, { labels: 'price' }); // features: every other column
  const { train, test } = data.split({ test: 0.2, seed: 1 });
  const model = new Sequential({
    inputSize: data.features,
    layers: [{ units: 16, activation: 'relu', kernelInitializer: 'heNormal' }, { units: 1 }],
    loss: 'meanSquaredError',
    optimizer: new Adam({ learningRate: 0.01 }),
    seed: 1,
  });
  model.setNormalization(Normalizer.fit(train, 'standardize'));
  // Prices are in the hundreds: scale the target too, so the output layer works near 1.
  const scale = 100;
  const y = (set) => Array.from(set.y, (v) => v / scale);
  await model.fit(train.x, y(train), { epochs: Number(values.epochs), batchSize: 32 });
  const { mae } = model.evaluate(test.x, y(test));
  console.log(`${train.rows} houses to train, ${test.rows} held out`);
  console.log(`mean absolute error on held-out houses: ${(mae * scale).toFixed(1)} k€ (the noise alone is 5 k€ on average)`);
  const [[price]] = model.predict([[3, 90, 20]]);
  console.log(`3 rooms, 90 m², 20 years: predicted ${(price * scale).toFixed(0)} k€, formula ${40 * 3 + 1.5 * 90 - 0.8 * 20 + 50} k€`);
  model.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
