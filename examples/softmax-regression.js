// SPDX-License-Identifier: MIT
// Softmax regression (multinomial logistic regression): one dense layer, softmax over the 10
// digit classes, cross-entropy loss; no hidden layer, so the model is linear in the pixels.
// On the mnist package's digits it reaches about 92% on the held-out digits, the classic baseline
// that hidden layers then beat (examples/mnist.js).
//
//   node examples/softmax-regression.js [--epochs N]
import { parseArgs } from 'node:util';
import { loadMnistDigits, Sequential, SGD } from '../dist/index.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '20' } } });
const { train, test } = loadMnistDigits({ testFraction: 0.2, seed: 0 });

const model = new Sequential({
  inputSize: 784,
  layers: [{ units: 10, activation: 'softmax' }], // logits = x · W + b, W is 784 × 10
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new SGD({ learningRate: 0.1 }),
  seed: 1,
});
await model.fit(train.x, train.labels, {
  epochs: Number(values.epochs),
  batchSize: 32,
  validationData: [test.x, test.labels],
  onEpochEnd: ({ epoch, loss, valAccuracy }) => {
    if (epoch % 5 === 4 || epoch === 0) console.log(`epoch ${epoch + 1}: loss ${loss.toFixed(4)}, held-out accuracy ${(valAccuracy * 100).toFixed(2)}%`);
  },
});
const { accuracy } = model.evaluate(test.x, test.labels);
console.log(`softmax regression: ${(accuracy * 100).toFixed(2)}% of ${test.labels.length} held-out digits`);

model.dispose();
