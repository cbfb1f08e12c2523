// SPDX-License-Identifier: MIT
/**
 * Fuzz target: the JSON Lines reader (src/data/jsonl.ts) through loadJsonl.
 *
 * The first input byte picks the options (bit 0: skipBadRows; bits 1–3: batch size 1–8); the
 * rest is the file. Invariants of a successful load: x is rows × width and finite, targets are
 * finite with one per row, and the batch size does not change what is read.
 */
import { loadJsonl } from '../dist/data/jsonl.js';
import { check, expectedFailureAsync, sameFloats, scratchFile } from './common.js';

export async function fuzz(data) {
  if (data.length === 0) return;
  const skipBadRows = (data[0] & 1) !== 0;
  const batchSize = ((data[0] >> 1) & 7) + 1;
  const path = scratchFile('data.jsonl', data.subarray(1));
  const loaded = await expectedFailureAsync(() => loadJsonl(path, { skipBadRows, batchSize }));
  if (!loaded) return;

  const { x, y } = loaded;
  check(x.shape[0] * x.shape[1] === x.data.length && x.shape[0] > 0 && x.shape[1] > 0, `x has shape [${x.shape}] and ${x.data.length} values`);
  check(x.data.every(Number.isFinite), 'every input is finite');
  const values = ArrayBuffer.isView(y) ? y : y.data;
  check(values.every(Number.isFinite), 'every target is finite');
  check((ArrayBuffer.isView(y) ? y.length : y.shape[0]) === x.shape[0], 'one target per row');

  const whole = await loadJsonl(path, { skipBadRows, batchSize: 1024 });
  check(sameFloats(whole.x.data, x.data) && sameFloats(ArrayBuffer.isView(whole.y) ? whole.y : whole.y.data, values), 'the batch size does not change what is read');
  check(whole.skippedRows === loaded.skippedRows, 'the batch size does not change what is skipped');
}
