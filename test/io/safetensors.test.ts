// SPDX-License-Identifier: MIT
// safetensors export/import: layout (PyTorch names, [out, in] weights), round trip, malformed
// files, and — with Debian's python3-torch — loading into a real nn.Sequential both ways.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Normalizer } from '../../src/data/normalize.ts';
import { FastpropError } from '../../src/errors.ts';
import { exportSafetensors, importSafetensors, parseSafetensors, torchArchitecture } from '../../src/io/safetensors.ts';
import { Sequential } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix } from '../helpers/data.ts';
import { tempDir } from '../helpers/files.ts';
import { relativeError } from '../helpers/tolerance.ts';

const files = tempDir('fastprop-safetensors-');
const random = new Random(8);
const rows = 64;
const xFlat = randomMatrix(random, rows, 6, -2, 2);
const x = { data: xFlat, shape: [rows, 6] as [number, number] };
const xRows = Array.from({ length: rows }, (_, r) => Array.from(xFlat.subarray(r * 6, r * 6 + 6)));
const labels = Int32Array.from({ length: rows }, () => random.below(3));

async function trained(): Promise<Sequential> {
  const model = new Sequential({
    inputSize: 6,
    layers: [
      { units: 16, activation: 'gelu', l2: 1e-3 }, { dropout: 0.3 },
      { units: 12, activation: 'leakyRelu', leakySlope: 0.1 },
      { units: 8, activation: 'silu' }, { units: 8, activation: 'elu' }, { units: 8, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossEntropy', optimizer: new Adam({ learningRate: 0.01 }), seed: 3,
  });
  model.setNormalization(Normalizer.fit(x, 'standardize'));
  await model.fit(x, labels, { epochs: 20, batchSize: 16 });
  return model;
}

describe('safetensors export and import', () => {
  it('names tensors as nn.Sequential does and stores Linear weights as [out, in]', async () => {
    const model = await trained();
    const path = files.path('model.safetensors');
    await exportSafetensors(model, path);
    const arch = JSON.parse(readFileSync(files.path('model.json'), 'utf8'));
    expect(arch.modules.map((m: { type: string }) => m.type)).toEqual(['Linear', 'GELU', 'Dropout', 'Linear', 'LeakyReLU', 'Linear', 'SiLU', 'Linear', 'ELU', 'Linear', 'Tanh', 'Linear', 'Softmax']);
    const bytes = readFileSync(path);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 8).toBe(0);
    const tensors = parseSafetensors(bytes, path);
    expect([...tensors.keys()]).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '5.weight', '5.bias', '7.weight', '7.bias', '9.weight', '9.bias', '11.weight', '11.bias']);
    expect(tensors.get('0.weight')!.shape).toEqual([16, 6]);
    const kernel = model.getWeights()[0]!.kernel; // [6 × 16]
    expect(tensors.get('0.weight')!.data[2 * 6 + 5]).toBe(kernel[5 * 16 + 2]); // W_torch[out=2][in=5] = K[in=5][out=2]
    expect(torchArchitecture(model)).toEqual(arch);
  });

  it('round-trips: the imported model predicts exactly as the exported one', async () => {
    const model = await trained();
    const path = files.path('round.safetensors');
    await exportSafetensors(model, path);
    const imported = await importSafetensors(path);
    expect(imported.getWeights()).toEqual(model.getWeights());
    expect(imported.predict(x).data).toEqual(model.predict(x).data);
    expect(imported.spec.layers).toEqual(model.spec.layers);
  });

  it('refuses malformed files with ERR_BAD_MODEL_FILE', async () => {
    const model = await trained();
    const path = files.path('good.safetensors');
    await exportSafetensors(model, path);
    const good = readFileSync(path);
    const attempt = async (bytes: Buffer, name: string) => {
      writeFileSync(files.path(`${name}.safetensors`), bytes);
      writeFileSync(files.path(`${name}.json`), readFileSync(files.path('good.json')));
      const error = await importSafetensors(files.path(`${name}.safetensors`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FastpropError);
      expect((error as FastpropError).code).toBe('ERR_BAD_MODEL_FILE');
      return (error as FastpropError).message;
    };
    expect(await attempt(good.subarray(0, good.length - 4), 'truncated')).toMatch(/lies outside the \d+ data bytes \(truncated\?\)/);
    const long = Buffer.from(good);
    long.writeBigUInt64LE(1n << 40n, 0);
    expect(await attempt(long, 'header')).toMatch(/truncated: the header length is 1099511627776 bytes/);
    const f64 = Buffer.from(good.toString('latin1').replace('"F32"', '"F64"'), 'latin1');
    expect(await attempt(f64, 'dtype')).toMatch(/dtype "F64"; fastprop reads F32 only/);
    const shape = Buffer.from(good.toString('latin1').replace('"shape":[16,6]', '"shape":[6,16]'), 'latin1');
    expect(await attempt(shape, 'shape')).toMatch(/tensor 0.weight has shape \[6, 16\], expected \[16, 6\]/);
  });

  it('refuses a malformed normalization or penalties in the architecture file with ERR_BAD_MODEL_FILE naming it (found by fuzz/safetensors.fuzz.js)', async () => {
    const model = await trained();
    const path = files.path('arch.safetensors');
    await exportSafetensors(model, path);
    const good = JSON.parse(readFileSync(files.path('arch.json'), 'utf8')) as Record<string, unknown>;
    const attempt = async (patch: Record<string, unknown>) => {
      const architecture = files.write('arch-bad.json', JSON.stringify({ ...good, ...patch }));
      const error = await importSafetensors(path, { architecture }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FastpropError);
      expect((error as FastpropError).code).toBe('ERR_BAD_MODEL_FILE');
      expect((error as FastpropError).message).toContain(architecture);
      return (error as FastpropError).message;
    };
    // Each was a TypeError or RangeError before.
    const scale = (good.normalization as { scale: number[] }).scale;
    expect(await attempt({ normalization: { method: 'standardize', scale } })).toMatch(/"normalization" must be null or/);
    expect(await attempt({ normalization: { method: 'standardize', shift: { length: 1e10 }, scale: { length: 1e10 } } })).toMatch(/"normalization" must be null or/);
    expect(await attempt({ normalization: 5 })).toMatch(/"normalization" must be null or/);
    expect(await attempt({ penalties: 5 })).toMatch(/"penalties" must be an array/);
    expect(await attempt({ penalties: [null] })).toMatch(/"penalties" must be an array/);
    // Absent or null, both are fine.
    const { penalties: _p, normalization: _n, ...bare } = good;
    (await importSafetensors(path, { architecture: files.write('arch-null.json', JSON.stringify({ ...bare, penalties: null, normalization: null })) })).dispose();
    (await importSafetensors(path, { architecture: files.write('arch-bare.json', JSON.stringify(bare)) })).dispose();
  });
});

const python = '/usr/bin/python3';
const torchAvailable = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const skipReason = 'skipped: python3-torch is not importable by /usr/bin/python3 (apt-get install python3-torch; CI fails instead of skipping)';

if (!torchAvailable && !process.env.CI) console.warn(`PyTorch interop tests ${skipReason}`);

function runPython(mode: 'predict' | 'export', arch: string, weights: string): number[][] {
  const inputs = files.write(`inputs-${mode}.json`, JSON.stringify(xRows));
  const result = spawnSync(python, ['test/helpers/torch_interop.py', mode, arch, weights, inputs], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`torch_interop.py ${mode} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as number[][];
}

describe.skipIf(!torchAvailable && !process.env.CI)(`PyTorch interop${torchAvailable ? '' : ` (${skipReason})`}`, () => {
  it('CI has python3-torch', () => {
    expect(torchAvailable, 'python3-torch must be installed in CI (.ci/run installs it)').toBe(true);
  });

  it('a model trained here, exported, loads into nn.Sequential and predicts the same (1e-5)', async () => {
    const model = await trained();
    const path = files.path('to-torch.safetensors');
    await exportSafetensors(model, path);
    const torchOut = runPython('predict', files.path('to-torch.json'), path).flat();
    const ours = Array.from(model.predict(x).data);
    expect(relativeError(torchOut, ours)).toBeLessThan(1e-5);
  });

  it('a PyTorch-initialised nn.Sequential, imported, predicts the same here (1e-5)', async () => {
    const model = await trained();
    await exportSafetensors(model, files.path('arch-only.safetensors'));
    const path = files.path('from-torch.safetensors');
    const torchOut = runPython('export', files.path('arch-only.json'), path).flat();
    const imported = await importSafetensors(path, { architecture: files.path('arch-only.json') });
    expect(relativeError(Array.from(imported.predict(x).data), torchOut)).toBeLessThan(1e-5);
  });
});
