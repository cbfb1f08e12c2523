// SPDX-License-Identifier: MIT
// Child process for the crash test: saves a large model (784-2048-2048-10, 5.8M parameters) to
// the same path over and over, version after version, until it is killed. Version k has every
// parameter i equal to k + (i % 7) / 8, so a reader can tell a complete version from anything else.
//   node --import tsx test/helpers/save-loop.ts PATH FIRST_VERSION
import { Sequential } from '../../src/model.ts';

export const LAYERS = [784, 2048, 2048, 10];

/** The weights of version k, layer by layer (kernel, then bias), flattened in that order. */
export function versionWeights(k: number): { kernel: Float32Array; bias: Float32Array }[] {
  let i = 0;
  const fill = (n: number) => Float32Array.from({ length: n }, () => k + (i++ % 7) / 8);
  return LAYERS.slice(1).map((units, l) => ({ kernel: fill(LAYERS[l]! * units), bias: fill(units) }));
}

if (process.argv[1]?.endsWith('save-loop.ts')) {
  const [path, first] = process.argv.slice(2);
  const model = new Sequential({
    inputSize: LAYERS[0]!,
    layers: LAYERS.slice(1).map((units) => ({ units, activation: 'relu' as const })),
    loss: 'meanSquaredError', backend: 'reference', seed: 1,
  });
  for (let k = Number(first); ; k++) {
    model.setWeights(versionWeights(k));
    process.stdout.write(`saving ${k}\n`);
    await model.save(path!);
    process.stdout.write(`saved ${k}\n`);
  }
}
