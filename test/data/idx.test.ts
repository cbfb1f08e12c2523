// SPDX-License-Identifier: MIT
// IDX files (the MNIST format), plain and gzipped: the mnist package's real digits written as
// IDX and read back, and one test per kind of damage, each naming the file and byte offset.
import { statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { idxDataset, loadIdx, readIdxHeader } from '../../src/data/idx.ts';
import { loadMnistDigits } from '../../src/data/mnist.ts';
import { BadDataError } from '../../src/errors.ts';
import { Sequential } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { idxBytes, tempDir } from '../helpers/files.ts';

const files = tempDir('fastprop-idx-');
const { train, test } = loadMnistDigits({ testFraction: 0.2, seed: 0 });

/** The digits as IDX bytes: images [n, 28, 28] uint8 and labels [n] uint8. */
function mnistIdx(split: typeof train): { images: Buffer; labels: Buffer } {
  const pixels = Uint8Array.from(split.x.data, (v) => Math.round(v * 255));
  return {
    images: idxBytes(0x08, [split.labels.length, 28, 28], pixels),
    labels: idxBytes(0x08, [split.labels.length], Uint8Array.from(split.labels)),
  };
}

async function badData(promise: Promise<unknown>): Promise<BadDataError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BadDataError);
  return error as BadDataError;
}

const testIdx = mnistIdx(test);
const testImagesGz = gzipSync(testIdx.images);
const small = { images: idxBytes(0x08, [3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20)), labels: idxBytes(0x08, [3], Uint8Array.from([2, 0, 1])) };

describe('IDX loading', () => {
  it.each([['plain', (b: Buffer) => b], ['gzip', (b: Buffer) => gzipSync(b)]] as const)('reads the real MNIST digits back (%s)', async (kind, encode) => {
    const { images, labels } = testIdx;
    const data = await loadIdx({ images: files.write(`digits-${kind}-images`, encode(images)), labels: files.write(`digits-${kind}-labels`, encode(labels)), scale: 1 / 255 });
    expect(data.x.shape).toEqual([test.labels.length, 784]);
    expect(Array.from(data.y as Int32Array)).toEqual(Array.from(test.labels));
    let worst = 0;
    data.x.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - test.x.data[i]!))));
    expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });

  it('reads the header: type, dimensions, compression', async () => {
    const path = files.write('header.gz', gzipSync(small.images));
    expect(await readIdxHeader(path)).toEqual({ type: 'uint8', dims: [3, 2, 2], gzip: true });
  });

  it('converts big-endian int16 and float32 elements', async () => {
    const shorts = Buffer.alloc(4);
    shorts.writeInt16BE(-300, 0);
    shorts.writeInt16BE(7, 2);
    const floats = Buffer.alloc(4);
    floats.writeFloatBE(0.25, 0);
    const data = await loadIdx({ images: files.write('int16', idxBytes(0x0b, [2, 1], shorts)), labels: files.write('int16-labels', idxBytes(0x08, [2], Uint8Array.from([1, 0]))) });
    expect(Array.from(data.x.data)).toEqual([-300, 7]);
    const f = await loadIdx({ images: files.write('f32', idxBytes(0x0d, [1, 1], floats)), labels: files.write('f32-labels', idxBytes(0x08, [1], Uint8Array.from([0]))) });
    expect(Array.from(f.x.data)).toEqual([0.25]);
  });

  it('streams images and labels in step and trains on the real digits', async () => {
    const { images, labels } = mnistIdx(train);
    const stream = idxDataset({ images: files.write('train-images.gz', gzipSync(images)), labels: files.write('train-labels.gz', gzipSync(labels)), scale: 1 / 255, batchSize: 64 });
    const model = new Sequential({
      inputSize: 784, layers: [{ units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }],
      loss: 'sparseCategoricalCrossEntropy', optimizer: new Adam({ learningRate: 2e-3 }), seed: 1,
    });
    await model.fit(stream, { epochs: 3, batchSize: 64 });
    expect(model.evaluate(test.x, test.labels).accuracy).toBeGreaterThan(0.85);
    model.dispose();
  });
});

describe('IDX bad data names the file and byte offset', () => {
  const labels = () => files.write('ok-labels', small.labels);

  it('a wrong magic number', async () => {
    const bytes = Buffer.from(small.images);
    bytes[0] = 0x50; // 'P': e.g. a PNG renamed
    const path = files.write('magic', bytes);
    const error = await badData(loadIdx({ images: path, labels: labels() }));
    expect(error.message).toBe(`${path}, byte offset 0: not an IDX file: the magic number is 50 00 08 03 (expected 00 00 then a type code 08, 09, 0b, 0c, 0d or 0e and a dimension count)`);
  });

  it('an unknown element type', async () => {
    const bytes = Buffer.from(small.images);
    bytes[2] = 0x07;
    const path = files.write('type', bytes);
    expect((await badData(loadIdx({ images: path, labels: labels() }))).message).toMatch(new RegExp(`^${path}, byte offset 0: not an IDX file`));
  });

  it('a plain file shorter than its header says', async () => {
    const path = files.write('short', small.images.subarray(0, small.images.length - 1));
    const error = await badData(loadIdx({ images: path, labels: labels() }));
    expect(error.message).toBe(`${path}, byte offset 27: size mismatch: the header (3 × 2 × 2 uint8) needs 28 bytes, the file has 27 (truncated)`);
  });

  it('a plain file longer than its header says', async () => {
    const path = files.write('long', Buffer.concat([small.images, Buffer.from([1, 2])]));
    expect((await badData(loadIdx({ images: path, labels: labels() }))).message).toBe(`${path}, byte offset 28: size mismatch: the header (3 × 2 × 2 uint8) needs 28 bytes, the file has 30 (trailing bytes)`);
  });

  it('a truncated gzip file', async () => {
    const path = files.write('truncated.gz', testImagesGz.subarray(0, Math.floor(testImagesGz.length / 2)));
    const error = await badData(loadIdx({ images: path, labels: files.write('test-labels', testIdx.labels) }));
    expect(error.message).toMatch(new RegExp(`^${path}, byte offset \\d+: truncated gzip stream`));
  });

  it('a corrupt gzip file', async () => {
    const gz = Buffer.from(testImagesGz);
    for (let i = 100; i < 140; i++) gz[i] = gz[i]! ^ 0x5a;
    const path = files.write('corrupt.gz', gz);
    const error = await badData(loadIdx({ images: path, labels: files.write('test-labels', testIdx.labels) }));
    expect(error.message).toMatch(new RegExp(`^${path}, byte offset \\d+: corrupt gzip data \\(`));
  });

  it('a complete gzip stream whose IDX data is short', async () => {
    const path = files.write('short.gz', gzipSync(small.images.subarray(0, 25)));
    const error = await badData(loadIdx({ images: path, labels: labels() }));
    expect(error.message).toBe(`${path}, byte offset 25: truncated: the header announces 3 records but the data ends inside record 2`);
  });

  it('a gzip stream with bytes after the records', async () => {
    const path = files.write('trailing.gz', gzipSync(Buffer.concat([small.images, Buffer.from([9])])));
    expect((await badData(loadIdx({ images: path, labels: labels() }))).message).toBe(`${path}, byte offset 28: trailing bytes after the 3 records the header announces`);
  });

  it('a gzip file whose header announces more than it can inflate to (found by fuzz/idx.fuzz.js)', async () => {
    // A 30-byte gzip file announcing 3 × 65536 × 65536 uint8 values: loadIdx allocated for the
    // header before reading, and threw a RangeError (Invalid typed array length).
    const path = files.write('lying.gz', gzipSync(idxBytes(0x08, [3, 65536, 65536], Uint8Array.from([1, 2]))));
    const size = statSync(path).size;
    const expected = `${path}, byte offset 4: size mismatch: the header (3 × 65536 × 65536 uint8) needs 12884901904 bytes, more than a ${size}-byte gzip file can inflate to (deflate compresses at most 1032:1): the header is corrupt or the file truncated`;
    expect((await badData(loadIdx({ images: path, labels: labels() }))).message).toBe(expected);
    expect((await badData(readIdxHeader(path))).message).toBe(expected);
    const stream = idxDataset({ images: path, labels: labels() });
    expect((await badData(stream.toMemory())).message).toBe(expected);
  });

  it('images and labels that disagree on the count', async () => {
    const images = files.write('three-images', small.images);
    const two = files.write('two-labels', idxBytes(0x08, [2], Uint8Array.from([0, 1])));
    await expect(loadIdx({ images, labels: two })).rejects.toMatchObject({ code: 'ERR_BAD_DATA', message: `${images} holds 3 records but ${two} holds 2 labels` });
  });

  it('a missing file is an ERR_IO naming it', async () => {
    await expect(loadIdx({ images: files.path('absent'), labels: labels() })).rejects.toMatchObject({ code: 'ERR_IO' });
  });
});
