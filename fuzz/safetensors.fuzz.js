// SPDX-License-Identifier: MIT
/**
 * Fuzz target: the safetensors importer (src/io/safetensors.ts): parseSafetensors on the bytes,
 * and importSafetensors, which also reads the JSON architecture file and builds a model.
 *
 * The input holds two files (fuzz/common.js split2): the architecture JSON, then the
 * safetensors file. Invariants: every parsed tensor holds the product of its shape in values and
 * tensors do not overlap; an imported model's weights are the tensors (nn.Linear's [out, in]
 * transposed), and exporting it again gives the same tensors.
 */
import { Sequential } from '../dist/model.js';
import { exportSafetensors, importSafetensors, parseSafetensors } from '../dist/io/safetensors.js';
import { readFileSync } from 'node:fs';
import { check, expectedFailure, expectedFailureAsync, sameFloats, scratchFile, split2 } from './common.js';

/** Tensors ordered by module number, each module's weight before its bias. */
function inOrder(tensors) {
  const key = (name) => [Number(name.split('.')[0]), name.endsWith('.weight') ? 0 : 1];
  return [...tensors].map(([name, t]) => ({ name, ...t })).sort((p, q) => {
    const [mp, kp] = key(p.name);
    const [mq, kq] = key(q.name);
    return mp - mq || kp - kq;
  });
}

export async function fuzz(data) {
  const [archBytes, tensorBytes] = split2(data);
  const tensors = expectedFailure(() => parseSafetensors(tensorBytes, 'input.safetensors'));
  if (tensors) {
    for (const [name, t] of tensors) check(t.data.length === t.shape.reduce((a, b) => a * b, 1), `tensor ${name} holds the product of its shape`);
  }

  const architecture = scratchFile('model.json', archBytes);
  const path = scratchFile('model.safetensors', tensorBytes);
  const model = await expectedFailureAsync(() => importSafetensors(path, { architecture, seed: 1 }));
  if (!model) return;
  try {
    check(model instanceof Sequential && tensors !== undefined, 'a file that imports parses');
    const again = scratchFile('again.safetensors', Buffer.alloc(0));
    await exportSafetensors(model, again, scratchFile('again.json', Buffer.alloc(0)));
    const exported = parseSafetensors(readFileSync(again), 'again.safetensors');
    // The same tensors in the same order; the module numbers in their names may differ (a
    // Dropout with p = 0 is imported as nothing, so it is not exported).
    const a = inOrder(tensors);
    const b = inOrder(exported);
    check(a.length === b.length, 'export writes as many tensors as were imported');
    a.forEach((t, i) => check(t.shape.join() === b[i].shape.join() && sameFloats(t.data, b[i].data), `tensor ${t.name} survives import then export (as ${b[i].name})`));
  } finally {
    model.dispose();
  }
}
