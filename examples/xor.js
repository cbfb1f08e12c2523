// SPDX-License-Identifier: MIT
// XOR, the problem a single neuron cannot solve: a hidden layer of 4 sigmoid units makes it
// separable. Binary cross-entropy on a sigmoid output, SGD with momentum, full batch.
//
//   node examples/xor.js [--epochs N]
import { parseArgs } from 'node:util';
import { Sequential, SGD } from '../dist/index.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '2000' } } });
const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [[0], [1], [1], [0]];

const model = new Sequential({
  inputSize: 2,
  layers: [
    { units: 4, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossEntropy',
  optimizer: new SGD({ learningRate: 0.5, momentum: 0.9 }),
  seed: 3,
});
const history = await model.fit(x, y, { epochs: Number(values.epochs), batchSize: 4 });
console.log(`loss: epoch 1 ${history.loss[0].toFixed(4)}, epoch ${history.loss.length} ${history.loss.at(-1).toFixed(4)}`);
model.predict(x).forEach(([p], i) => console.log(`${x[i].join(' xor ')} = ${p.toFixed(3)} (target ${y[i][0]})`));
console.log(`accuracy ${(model.evaluate(x, y).accuracy * 100).toFixed(0)}%`);
model.dispose();
