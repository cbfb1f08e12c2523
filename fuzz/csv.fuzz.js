// SPDX-License-Identifier: MIT
/**
 * Fuzz target: the CSV reader (src/data/csv.ts) through loadCsv.
 *
 * The first input byte picks the options (bit 0: no header; bit 1: categorical labels; bit 2:
 * one-hot; bit 3: skipBadRows; bits 4–5: delimiter , ; tab |; bit 6: the label is the last
 * column rather than the first); the rest is the file. Invariants of a successful load: x is
 * rows × features and finite, one target per row, class indices within the classes, one-hot
 * rows with a single 1.
 */
import { loadCsv } from '../dist/data/csv.js';
import { check, expectedFailureAsync, scratchFile } from './common.js';

const DELIMITERS = [',', ';', '\t', '|'];

export async function fuzz(data) {
  if (data.length === 0) return;
  const flags = data[0];
  const header = (flags & 1) === 0;
  const categorical = (flags & 2) !== 0;
  const oneHot = (flags & 4) !== 0;
  const path = scratchFile('data.csv', data.subarray(1));
  const options = {
    labels: (flags & 64) !== 0 ? -1 : 0, header, categorical, labelEncoding: oneHot ? 'oneHot' : 'index',
    skipBadRows: (flags & 8) !== 0, delimiter: DELIMITERS[(flags >> 4) & 3], batchSize: 2,
  };
  // The last column, by index: count the columns of the first line (an approximation; a wrong
  // guess is an ERR_INVALID_ARGUMENT, which is fine).
  if (options.labels === -1) {
    const first = data.subarray(1).toString('utf8').split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    options.labels = Math.max(0, first.split(options.delimiter).length - 1);
  }
  const loaded = await expectedFailureAsync(() => loadCsv(path, options));
  if (!loaded) return;

  const { x, y } = loaded;
  check(x.shape[0] * x.shape[1] === x.data.length && x.shape[0] > 0 && x.shape[1] > 0, `x has shape [${x.shape}] and ${x.data.length} values`);
  check(x.data.every(Number.isFinite), 'every input is finite');
  const rows = ArrayBuffer.isView(y) ? y.length : y.shape[0];
  check(rows === x.shape[0], 'one target per row');
  if (categorical) {
    const classes = loaded.classes;
    check(Array.isArray(classes) && classes.length > 0 && new Set(classes).size === classes.length, 'the classes are distinct');
    if (oneHot) {
      // With a single class the one column comes as one value per row (a Float32Array).
      const data = ArrayBuffer.isView(y) ? y : y.data;
      check(ArrayBuffer.isView(y) ? classes.length === 1 : y.shape[1] === classes.length, 'one-hot targets have a column per class');
      for (let r = 0; r < rows; r++) {
        const row = data.subarray(r * classes.length, (r + 1) * classes.length);
        check(row.filter((v) => v === 1).length === 1 && row.every((v) => v === 0 || v === 1), 'a one-hot row has a single 1');
      }
    } else {
      check(y instanceof Int32Array && y.every((c) => c >= 0 && c < classes.length), 'class indices lie within the classes');
    }
  } else {
    const values = ArrayBuffer.isView(y) ? y : y.data;
    check(values.every(Number.isFinite), 'every target is finite');
  }
}
