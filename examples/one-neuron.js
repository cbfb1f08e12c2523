// SPDX-License-Identifier: MIT
// One neuron by hand: y = σ(w·x + b) with the squared error ½(y − t)², its gradients worked out
// with the chain rule, checked against fastprop's, then a few hundred steps of gradient descent
// by hand and by fastprop side by side, learning the OR gate. Same maths, same numbers.
//
//   node examples/one-neuron.js [--steps N]
import { parseArgs } from 'node:util';
import { Sequential, SGD } from '../dist/index.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '500' } } });
const steps = Number(values.steps);
const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const t = [0, 1, 1, 1]; // OR
const sigmoid = (z) => 1 / (1 + Math.exp(-z));

// Loss over the batch: L = mean over rows of ½(y − t)²   (fastprop's 'halfSquaredError')
// Chain rule per row:  ∂L/∂z = (y − t) · y(1 − y),   ∂L/∂w_i = ∂L/∂z · x_i,   ∂L/∂b = ∂L/∂z
function byHand(w, b) {
  let loss = 0;
  const dw = [0, 0];
  let db = 0;
  x.forEach((row, r) => {
    const y = sigmoid(w[0] * row[0] + w[1] * row[1] + b);
    loss += 0.5 * (y - t[r]) ** 2 / x.length;
    const dz = (y - t[r]) * y * (1 - y) / x.length;
    dw[0] += dz * row[0];
    dw[1] += dz * row[1];
    db += dz;
  });
  return { loss, dw, db };
}

const lr = 2;
const model = new Sequential({
  inputSize: 2,
  layers: [{ units: 1, activation: 'sigmoid' }],
  loss: 'halfSquaredError',
  optimizer: new SGD({ learningRate: lr }),
  seed: 1,
});
let w = [0.3, -0.2];
let b = 0.1;
model.setWeights([{ kernel: w, bias: [b] }]);

const hand = byHand(w, b);
const lib = model.gradients(x, t.map((v) => [v]));
console.log('gradients at w = [0.3, -0.2], b = 0.1');
console.log(`  by hand:  loss ${hand.loss.toFixed(6)}  dL/dw [${hand.dw.map((v) => v.toFixed(6))}]  dL/db ${hand.db.toFixed(6)}`);
console.log(`  fastprop: loss ${lib.loss.toFixed(6)}  dL/dw [${[...lib.layers[0].kernel].map((v) => v.toFixed(6))}]  dL/db ${lib.layers[0].bias[0].toFixed(6)}`);

// Gradient descent: w ← w − lr·∂L/∂w, on the whole batch each step.
for (let step = 0; step < steps; step++) {
  const g = byHand(w, b);
  w = w.map((wi, i) => wi - lr * g.dw[i]);
  b -= lr * g.db;
}
await model.fit(x, t.map((v) => [v]), { epochs: steps, batchSize: 4, shuffle: false });
const [{ kernel, bias }] = model.getWeights();
console.log(`after ${steps} steps`);
console.log(`  by hand:  w [${w.map((v) => v.toFixed(4))}]  b ${b.toFixed(4)}  loss ${byHand(w, b).loss.toFixed(5)}`);
console.log(`  fastprop: w [${[...kernel].map((v) => v.toFixed(4))}]  b ${bias[0].toFixed(4)}  loss ${model.evaluate(x, t.map((v) => [v])).loss.toFixed(5)}`);
console.log('  OR:', x.map((row, r) => `${row.join(' ')} → ${model.predict([row])[0][0].toFixed(3)} (target ${t[r]})`).join(', '));
model.dispose();
