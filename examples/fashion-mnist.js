// SPDX-License-Identifier: MIT
// Fashion-MNIST (Zalando's 28×28 grey clothing images, 10 classes, 60,000 to train and 10,000 to
// test) from Debian's `dataset-fashion-mnist` package, read with the IDX loader (gzip), trains
// the MLP 784-512-256-10 (relu, softmax + cross-entropy, Adam) to >= 88% test accuracy, printing
// loading speed, per-epoch progress, and then saves, reloads and checks the model.
//
//   npm run build && node examples/fashion-mnist.js [--epochs 12] [--limit ROWS] [--stream] [--save model.fprop]
//
// --stream reads the training files afresh every epoch (idxDataset, rows drawn through a seeded
// 10,000-row shuffle buffer) instead of loading them into memory; --limit trains on the first ROWS images only (quick runs; test/examples.test.ts).
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Adam, idxDataset, loadIdx, Sequential } from '../dist/index.js';

const DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const file = (name) => join(DIR, name);
const TRAIN = { images: file('train-images-idx3-ubyte.gz'), labels: file('train-labels-idx1-ubyte.gz') };
const TEST = { images: file('t10k-images-idx3-ubyte.gz'), labels: file('t10k-labels-idx1-ubyte.gz') };
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const missing = [...Object.values(TRAIN), ...Object.values(TEST)].filter((path) => !existsSync(path));
if (missing.length > 0) {
  console.error(`Fashion-MNIST not found (missing ${missing.join(', ')}).`);
  console.error('Install it from Debian:   sudo apt-get update && sudo apt-get install dataset-fashion-mnist');
  console.error('or point FASHION_MNIST_DIR at a directory holding the four *-ubyte.gz files.');
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
    stream: { type: 'boolean', default: false },
    limit: { type: 'string' },
    save: { type: 'string', default: join(tmpdir(), 'fashion-mnist.fprop') },
  },
});
const epochs = Number(values.epochs);

let started = performance.now();
const test = await loadIdx({ ...TEST, scale: 1 / 255 });
let train = values.stream ? undefined : await loadIdx({ ...TRAIN, scale: 1 / 255 });
const seconds = (performance.now() - started) / 1000;
const rows = test.rows + (train?.rows ?? 0);
console.log(`loaded ${rows} images (gzip IDX) in ${seconds.toFixed(2)} s: ${Math.round(rows / seconds).toLocaleString('en')} rows/s`);
if (train && values.limit) train = train.select(Array.from({ length: Math.min(Number(values.limit), train.rows) }, (_, i) => i));
console.log(`Fashion-MNIST: ${train ? train.rows : 60000} training and ${test.rows} test images`);

const model = new Sequential({
  inputSize: 784,
  layers: [
    { units: 512, activation: 'relu', kernelInitializer: 'heNormal' },
    { units: 256, activation: 'relu', kernelInitializer: 'heNormal' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new Adam({ learningRate: 1e-3 }),
  seed: Number(values.seed),
});
const { name, kernel, threads } = model.backend;
console.log(`Fashion-MNIST 784-512-256-10, backend ${name} (kernel ${kernel}, ${threads} threads), ${epochs} epochs, batch 128, Adam 1e-3${values.stream ? ', streamed' : ''}`);

const data = train ?? idxDataset({ ...TRAIN, scale: 1 / 255, batchSize: 1000, shuffleBuffer: 10_000 });
started = performance.now();
await model.fit(data, {
  epochs,
  batchSize: 128,
  onEpochEnd: ({ epoch, loss, accuracy, seconds: s }) => {
    const testAccuracy = model.evaluate(test.x, test.y).accuracy;
    console.log(
      `epoch ${String(epoch + 1).padStart(2)}/${epochs}  loss ${loss.toFixed(4)}  train acc ${(accuracy * 100).toFixed(2)}%  ` +
        `test acc ${(testAccuracy * 100).toFixed(2)}%  ${s.toFixed(1)} s`,
    );
  },
});
const { loss, accuracy } = model.evaluate(test.x, test.y);
console.log(`test accuracy ${(accuracy * 100).toFixed(2)}%`);
console.log(`(test loss ${loss.toFixed(4)}, ${((performance.now() - started) / 1000).toFixed(1)} s of training)`);

// Accuracy per class: shirts and T-shirts are the usual confusion.
const predicted = model.predict(test.x);
const right = new Array(10).fill(0);
const total = new Array(10).fill(0);
for (let r = 0; r < test.rows; r++) {
  const row = predicted.data.subarray(r * 10, r * 10 + 10);
  const guess = row.indexOf(Math.max(...row));
  total[test.y[r]]++;
  if (guess === test.y[r]) right[test.y[r]]++;
}
console.log(CLASSES.map((label, k) => `${label} ${((right[k] / total[k]) * 100).toFixed(0)}%`).join(', '));

await model.save(values.save);
const reloaded = await Sequential.load(values.save);
const again = reloaded.evaluate(test.x, test.y).accuracy;
const first = reloaded.predict({ data: test.x.data.subarray(0, 784), shape: [1, 784] }).data;
const guess = first.indexOf(Math.max(...first));
console.log(`saved to ${values.save} and reloaded: test accuracy ${(again * 100).toFixed(2)}%; first test image: ${CLASSES[guess]} (label ${CLASSES[test.y[0]]})`);
model.dispose();
reloaded.dispose();
