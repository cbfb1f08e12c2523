// SPDX-License-Identifier: MIT
/**
 * Writes the seed corpora in fuzz/corpus/<target>/: a few small valid files of each format, in
 * the input layout each target expects (see the targets' comments). Run after `npm run build`:
 *   node fuzz/make-corpus.mjs
 * Existing seeds are replaced; the fuzzer's own finds go to a temporary directory, not here.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Adam, Normalizer, SGD, Sequential, exportSafetensors } from '../dist/index.js';
import { join2 } from './common.js';

const root = join(dirname(fileURLToPath(import.meta.url)), 'corpus');
const scratch = mkdtempSync(join(tmpdir(), 'fastprop-corpus-'));
const seeds = {};
const seed = (target, name, bytes) => ((seeds[target] ??= {})[name] = Buffer.from(bytes));

try {
  const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
  const y = [[0], [1], [1], [0]];

  // Model files, without their SHA-256 trailer (the target appends it).
  const models = {
    'adam-dropout-normalized': () => {
      const m = new Sequential({ inputSize: 2, layers: [{ units: 3, activation: 'tanh' }, { dropout: 0.25 }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', optimizer: new Adam(), seed: 1, backend: 'reference' });
      m.setNormalization(new Normalizer('standardize', [0.5, 0.5], [0.5, 0.5]));
      return m;
    },
    'sgd-untrained': () => new Sequential({ inputSize: 2, layers: [{ units: 2, activation: 'relu' }, { units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 0.1 }), seed: 2, backend: 'reference' }),
    'softmax-momentum': () => new Sequential({ inputSize: 2, layers: [{ units: 2, activation: 'softmax' }], loss: 'sparseCategoricalCrossEntropy', optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), seed: 3, backend: 'reference' }),
  };
  for (const [name, make] of Object.entries(models)) {
    const m = make();
    if (name === 'adam-dropout-normalized') await m.fit(x, y, { epochs: 1, batchSize: 4 });
    if (name === 'softmax-momentum') await m.fit(x, [0, 1, 1, 0], { epochs: 1, batchSize: 4 });
    const path = join(scratch, `${name}.fprop`);
    await m.save(path);
    const file = readFileSync(path);
    seed('model-file', name, file.subarray(0, file.length - 32));

    // safetensors: the architecture JSON, then the tensors.
    if (name !== 'softmax-momentum') {
      const st = join(scratch, `${name}.safetensors`);
      await exportSafetensors(m, st, join(scratch, `${name}.json`));
      seed('safetensors', name, join2(readFileSync(join(scratch, `${name}.json`)), readFileSync(st)));
    }
    m.dispose();
  }

  // IDX: a labels file, then an images file.
  const idx = (type, dims, values, write) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head[2] = type;
    head[3] = dims.length;
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type];
    const body = Buffer.alloc(values.length * size);
    values.forEach((v, i) => write.call(body, v, i * size));
    return Buffer.concat([head, body]);
  };
  const labels = idx(0x08, [3], [0, 1, 2], Buffer.prototype.writeUInt8);
  const images = idx(0x08, [3, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255], Buffer.prototype.writeUInt8);
  seed('idx', 'uint8', join2(labels, images));
  seed('idx', 'uint8-gzip', join2(gzipSync(labels), gzipSync(images)));
  seed('idx', 'float32-int16', join2(idx(0x0b, [2], [1, -1], Buffer.prototype.writeInt16BE), idx(0x0d, [2, 3], [0.5, -1, 2, 1e-3, 0, 3], Buffer.prototype.writeFloatBE)));
  seed('idx', 'float64-int32', join2(idx(0x0c, [2], [7, 0], Buffer.prototype.writeInt32BE), idx(0x0e, [2, 1], [Math.PI, -2], Buffer.prototype.writeDoubleBE)));
  seed('idx', 'int8', join2(idx(0x09, [1], [-3], Buffer.prototype.writeInt8), idx(0x09, [1, 2], [-128, 127], Buffer.prototype.writeInt8)));

  // CSV and JSON Lines: an options byte, then the file.
  const text = (flags, body) => Buffer.concat([Buffer.from([flags]), Buffer.from(body)]);
  seed('csv', 'numeric-header', text(0x00, 'y,a,b\n1,0.5,2\n0,-1e3,.25\n'));
  seed('csv', 'categorical-quoted', text(0x02, 'label,x1,x2\n"setosa",1,2\nvirginica,"3",4\r\nsetosa,5,6\n'));
  seed('csv', 'one-hot-semicolon-skip', text(0x1e, 'c;x\na;1\nb;2\n\nb;oops\n'));
  seed('csv', 'no-header-tab-last', text(0x61, '1\t2\t0\n3\t4\t1\n'));
  seed('jsonl', 'scalar', text(0x00, '{"x":[0.1,0.2],"y":1}\n{"x":[0.3,0.4],"y":0}\n'));
  seed('jsonl', 'vector-skip', text(0x05, '{"x":[1],"y":[0,1]}\n\nnot json\n{"x":[2],"y":[1,0]}\r\n{"x":[3],"y":[1]}\n'));

  for (const [target, files] of Object.entries(seeds)) {
    const dir = join(root, target);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    console.log(`${target}: ${Object.keys(files).length} seeds, ${Object.values(files).reduce((n, b) => n + b.length, 0)} bytes`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
