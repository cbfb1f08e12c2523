// SPDX-License-Identifier: MIT
/**
 * Fuzz target: the model file parser (src/io/model-file.ts, format in docs/model-format.md) and
 * Sequential.load, which builds a model from what it decoded.
 *
 * The input is decoded as it is, then with its SHA-256 appended, so that mutations get past the
 * checksum to the header and sections (the seeds in fuzz/corpus/model-file are model files
 * without their last 32 bytes). A file that decodes must re-encode to a file that decodes to the
 * same snapshot, and, when Sequential.load accepts it, the loaded model must hold its parameters.
 */
import { createHash } from 'node:crypto';
import { decodeModel, encodeModel } from '../dist/io/model-file.js';
import { Sequential } from '../dist/model.js';
import { check, expectedFailure, expectedFailureAsync, sameFloats, scratchFile } from './common.js';

const withChecksum = (bytes) => Buffer.concat([bytes, createHash('sha256').update(bytes).digest()]);

function sameSnapshot(a, b) {
  const { parameters: pa, slots: sa, ...ra } = a;
  const { parameters: pb, slots: sb, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb) && sameFloats(pa, pb) && sa.length === sb.length && sa.every((s, i) => sameFloats(s, sb[i]));
}

export function fuzz(data) {
  expectedFailure(() => decodeModel(data, 'input.fprop'));
  const bytes = withChecksum(data);
  const snapshot = expectedFailure(() => decodeModel(bytes, 'input.fprop'));
  if (!snapshot) return undefined;

  check(snapshot.slots.every((s) => s.length === snapshot.parameters.length), 'every slot has the size of the parameters');
  const again = decodeModel(Buffer.concat(encodeModel(snapshot)), 'again.fprop');
  check(sameSnapshot(snapshot, again), 'encode(decode(file)) decodes to the same snapshot');

  // Sequential.load reads a path: only inputs that decode get this far, so the file write is rare.
  const path = scratchFile('model.fprop', bytes);
  return expectedFailureAsync(async () => {
    const model = await Sequential.load(path);
    try {
      const weights = model.getWeights();
      const flat = new Float32Array(weights.reduce((n, w) => n + w.kernel.length + w.bias.length, 0));
      let at = 0;
      for (const w of weights) {
        flat.set(w.kernel, at);
        flat.set(w.bias, at + w.kernel.length);
        at += w.kernel.length + w.bias.length;
      }
      check(sameFloats(flat, snapshot.parameters), 'the loaded model holds the file\'s parameters');
    } finally {
      model.dispose();
    }
  });
}
