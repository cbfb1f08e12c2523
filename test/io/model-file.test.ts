// SPDX-License-Identifier: MIT
// The model file: a save/load round trip keeps everything, and every kind of damage is refused
// with a clear error (foreign, truncated, corrupt, newer version, inconsistent header).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Normalizer } from '../../src/data/normalize.ts';
import { FastpropError } from '../../src/errors.ts';
import { decodeModel, encodeModel, type ModelSnapshot } from '../../src/io/model-file.ts';
import { Sequential } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { tempDir } from '../helpers/files.ts';

const files = tempDir('fastprop-model-');
const random = new Random(2);
const x = shaped(randomMatrix(random, 40, 3), 40, 3);
const labels = Int32Array.from({ length: 40 }, () => random.below(2));

async function trained(): Promise<Sequential> {
  const model = new Sequential({
    inputSize: 3,
    layers: [{ units: 5, activation: 'leakyRelu', leakySlope: 0.2, l2: 1e-3 }, { dropout: 0.25 }, { units: 2, activation: 'softmax', l1: 1e-4 }],
    loss: 'sparseCategoricalCrossEntropy', optimizer: new Adam({ learningRate: 0.02, beta2: 0.99 }), seed: 12,
  });
  model.setNormalization(Normalizer.fit(x, 'standardize'));
  await model.fit(x, labels, { epochs: 3, batchSize: 8 });
  return model;
}

async function refused(bytes: Uint8Array, name: string): Promise<FastpropError> {
  const path = files.write(name, bytes);
  const error = await Sequential.load(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FastpropError);
  expect((error as FastpropError).message).toContain(path);
  return error as FastpropError;
}

describe('save and load', () => {
  it('round-trips architecture, weights, optimizer state, counters and normalisation', async () => {
    const model = await trained();
    const path = files.path('model.fprop');
    await model.save(path);
    const loaded = await Sequential.load(path);
    expect(loaded.spec).toEqual(model.spec);
    expect(loaded.seed).toBe(12);
    expect(loaded.optimizer.describe()).toEqual(model.optimizer.describe());
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.getOptimizerState()).toEqual(model.getOptimizerState());
    expect([loaded.step, loaded.epoch]).toEqual([model.step, model.epoch]);
    expect(loaded.normalization!.toJSON()).toEqual(model.normalization!.toJSON());
    expect(loaded.predict(x).data).toEqual(model.predict(x).data);
    const reference = await Sequential.load(path, { backend: 'reference' });
    expect(reference.backend.name).toBe('reference');
    expect(Array.from(reference.predict(x).data).every((v, i) => Math.abs(v - model.predict(x).data[i]!) < 1e-5)).toBe(true);
  });

  it('starts with the magic, version 1, and ends with the SHA-256 of the rest', async () => {
    const path = files.path('layout.fprop');
    await (await trained()).save(path);
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('FPROP\0');
    expect(bytes.readUInt16LE(6)).toBe(1);
    const header = JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8)));
    expect(header.sections.map((s: { name: string }) => s.name)).toEqual(['parameters', 'optimizer.slot.0', 'optimizer.slot.1']);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(bytes.subarray(0, -32)).digest().equals(bytes.subarray(-32))).toBe(true);
  });
});

describe('damaged or foreign files are refused', () => {
  let good: Buffer;
  let snapshot: ModelSnapshot;
  const craft = (change: (s: ModelSnapshot) => ModelSnapshot) => Buffer.concat(encodeModel(change(snapshot)));

  it('setup: a good file', async () => {
    const path = files.path('good.fprop');
    await (await trained()).save(path);
    good = readFileSync(path);
    snapshot = decodeModel(good, path);
  });

  it('a foreign file (wrong magic)', async () => {
    const error = await refused(Buffer.from('\x89PNG\r\n\x1a\n....', 'latin1'), 'picture.png');
    expect(error.code).toBe('ERR_BAD_MODEL_FILE');
    expect(error.message).toMatch(/does not start with the magic bytes "FPROP\\0" \(found 89 50 4e 47 0d 0a\)/);
  });

  it.each([3, 10, 40, 200, -40, -1])('a file truncated to %i bytes', async (cut) => {
    const error = await refused(good.subarray(0, cut < 0 ? good.length + cut : cut), `cut${cut}.fprop`);
    expect(error.code).toBe('ERR_BAD_MODEL_FILE');
    expect(error.message).toMatch(/truncated/);
  });

  it('a flipped bit in the weights (checksum)', async () => {
    const bytes = Buffer.from(good);
    bytes[bytes.length - 100]! ^= 0x04;
    const error = await refused(bytes, 'flipped.fprop');
    expect(error.message).toMatch(/SHA-256 checksum does not match: the file is corrupt$/);
  });

  it('a file from a newer fastprop', async () => {
    const bytes = Buffer.from(good);
    bytes.writeUInt16LE(2, 6);
    const error = await refused(bytes, 'newer.fprop');
    expect(error.code).toBe('ERR_MODEL_FILE_VERSION');
    expect(error.message).toMatch(/was written by a newer fastprop \(model format version 2\); this fastprop reads format version 1/);
  });

  it('sizes in the header that the file does not have (no allocation from them)', async () => {
    const bytes = Buffer.from(good);
    const headerLength = bytes.readUInt32LE(8);
    const header = bytes.toString('utf8', 12, 12 + headerLength).replace(/"length":(\d+)/, (_m, n: string) => `"length":${'9'.repeat(n.length)}`);
    bytes.write(header, 12, 'utf8');
    expect((await refused(bytes, 'sizes.fprop')).message).toMatch(/truncated: \d+ bytes, but its header describes \d+/);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xfffffff0, 8);
    expect((await refused(huge, 'header.fprop')).message).toMatch(/truncated: its header says 4294967280 bytes of header/);
  });

  it('a checksummed file whose architecture does not match its parameters', async () => {
    const bytes = craft((s) => ({ ...s, architecture: { ...s.architecture, inputSize: 4 } }));
    expect((await refused(bytes, 'mismatch.fprop')).message).toMatch(/its architecture has 37 parameters but the parameters section holds 32/);
  });

  it('a checksummed file with an invalid activation, optimizer or normalisation', async () => {
    const layers = snapshot.architecture.layers.map((l, i) => (i === 0 ? { ...l, activation: 'eval' } : l));
    expect((await refused(craft((s) => ({ ...s, architecture: { ...s.architecture, layers } })), 'act.fprop')).message).toMatch(/architecture or optimizer is invalid: Expected one of .* but received "eval"/);
    expect((await refused(craft((s) => ({ ...s, optimizer: { ...s.optimizer, learningRate: -1 } })), 'opt.fprop')).message).toMatch(/invalid/);
    expect((await refused(craft((s) => ({ ...s, normalization: { method: 'minMax', shift: [0], scale: [1] } })), 'norm.fprop')).message).toMatch(/normalisation is invalid/);
  });

  it('a missing file is ERR_IO', async () => {
    await expect(Sequential.load(files.path('absent.fprop'))).rejects.toMatchObject({ code: 'ERR_IO' });
  });

  it('the good file still loads', async () => {
    writeFileSync(files.path('again.fprop'), good);
    await expect(Sequential.load(files.path('again.fprop'))).resolves.toBeInstanceOf(Sequential);
  });
});
