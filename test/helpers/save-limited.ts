// SPDX-License-Identifier: MIT
// Child process for the full-disk test, run under a file-size limit (ulimit -f) smaller than the
// files it writes: tries each save path once over the previous files in DIR and prints each
// outcome as a JSON line.
//   node --import tsx test/helpers/save-limited.ts DIR
import { join } from 'node:path';
import { exportSafetensors } from '../../src/io/safetensors.ts';
import { Sequential } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { ModelCheckpoint } from '../../src/train/checkpoint.ts';

const dir = process.argv[2]!;
const model = new Sequential({ inputSize: 784, layers: [{ units: 256, activation: 'relu' }, { units: 10 }], loss: 'meanSquaredError', optimizer: new Adam(), backend: 'reference', seed: 2 });
const x = { data: new Float32Array(4 * 784).fill(0.5), shape: [4, 784] as [number, number] };
const y = { data: new Float32Array(4 * 10).fill(1), shape: [4, 10] as [number, number] };
const attempts: [string, () => Promise<unknown>][] = [
  ['save', () => model.save(join(dir, 'model.fprop'))],
  ['export', () => exportSafetensors(model, join(dir, 'model.safetensors'))],
  ['checkpoint', () => model.fit(x, y, { epochs: 1, batchSize: 4, callbacks: [new ModelCheckpoint({ path: join(dir, 'last.fprop') })] })],
];
for (const [path, attempt] of attempts) {
  const outcome = await attempt().then(() => ({ saved: true }), (error: { code?: string; message?: string }) => ({ code: error.code, message: error.message }));
  console.log(JSON.stringify({ path, ...outcome }));
}
