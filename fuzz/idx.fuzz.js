// SPDX-License-Identifier: MIT
/**
 * Fuzz target: the IDX reader (src/data/idx.ts): readIdxHeader, loadIdx and the streamed
 * idxDataset, on plain and gzipped files.
 *
 * The input holds two files (fuzz/common.js split2): a labels file, then an images file. The
 * reader takes paths, so both are written to a scratch directory for every input. Invariants of a
 * successful load: as many rows as the images header's first dimension, each as wide as the
 * product of the others, one label per row; and the streamed batches hold the same rows.
 */
import { idxDataset, loadIdx, readIdxHeader } from '../dist/data/idx.js';
import { check, expectedFailureAsync, sameFloats, scratchFile, split2 } from './common.js';

export async function fuzz(data) {
  const [labelBytes, imageBytes] = split2(data);
  const labels = scratchFile('labels.idx', labelBytes);
  const images = scratchFile('images.idx', imageBytes);

  const header = await expectedFailureAsync(() => readIdxHeader(images));
  await expectedFailureAsync(() => readIdxHeader(labels));
  const loaded = await expectedFailureAsync(() => loadIdx({ images, labels }));
  if (!loaded) return;

  check(header !== undefined, 'a file that loads has a readable header');
  const [records, ...rest] = header.dims;
  const width = rest.reduce((a, b) => a * b, 1);
  check(loaded.rows === records && loaded.features === width, `shape [${loaded.x.shape}] is [records, product of the other dims] of [${header.dims}]`);
  check(loaded.x.data.length === records * width, 'x holds records × width values');
  check(loaded.y.length === records, 'one label per record');
  if (header.type === 'uint8' && !header.gzip) {
    const offset = 4 + 4 * header.dims.length;
    check(loaded.x.data.every((v, i) => v === imageBytes[offset + i]), 'uint8 values are read as they are');
  }

  // The streamed reader, in small batches, yields the same rows.
  const streamed = await expectedFailureAsync(() => idxDataset({ images, labels, batchSize: 3 }).toMemory());
  check(streamed !== undefined, 'a pair that loads also streams');
  check(sameFloats(streamed.x.data, loaded.x.data), 'streamed inputs equal loaded inputs');
  check(streamed.y.length === loaded.y.length && streamed.y.every((v, i) => v === loaded.y[i]), 'streamed labels equal loaded labels');
}
