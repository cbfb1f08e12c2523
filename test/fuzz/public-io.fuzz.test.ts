// SPDX-License-Identifier: MIT
// Property-based fuzzing of the public API, part 4 of 6: save and Sequential.load,
// exportSafetensors, importSafetensors and torchArchitecture — hostile paths and options, and
// files damaged in ways a checksum does not catch (a header field changed, the checksum
// recomputed). Bytes-level fuzzing of the parsers is scripts/fuzz.sh's job (coverage-guided);
// these properties check the public functions' arguments and what a well-formed but wrong file
// makes of them. Every call resolves (then the model works) or rejects with a FastpropError.
//
// Properties: 5; generated cases: 150 (save) + 200 (load) + 100 (exportSafetensors) + 200
// (importSafetensors) + 200 (torchArchitecture) = 850.
//
// The public-API fuzz suite is six files, 41 properties and 12,810 generated cases in all
// (test/fuzz/public-*.fuzz.test.ts; the raw binding is test/fuzz/binding.fuzz.test.ts):
//   public-model 2,850 · public-fit 2,000 · public-data 1,750 · public-io 850 · public-loaders 900 · public-misc 4,460.
// A property that can end either way (a result, an error) also asserts that both occurred, so
// none passes vacuously; each finding is pinned by a plain regression test next to its property.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Adam, exportSafetensors, importSafetensors, Normalizer, Sequential, torchArchitecture } from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';
import { isPlainObject, materialize, options, settle, settleSync, wrongNonString } from './arbitraries.ts';
import { backend, badValue } from './models.ts';

const files = tempDir('fastprop-fuzz-io-');
mkdirSync(files.path('a-directory'));

/** A trained model with a normalisation and optimizer state: every section of the file is present. */
async function makeModel(): Promise<Sequential> {
  const model = new Sequential({
    inputSize: 3, layers: [{ units: 4, activation: 'leakyRelu', leakySlope: 0.2, l2: 1e-3 }, { dropout: 0.25 }, { units: 2, activation: 'softmax' }],
    loss: 'sparseCategoricalCrossEntropy', optimizer: new Adam(), seed: 3, backend: 'reference',
  });
  model.setNormalization(new Normalizer('standardize', [0, 1, 2], [1, 2, 3]));
  await model.fit([[0, 1, 2], [3, 4, 5]], [0, 1], { epochs: 1 });
  return model;
}
const MODEL = await makeModel();
afterAll(() => MODEL.dispose());
const VALID = files.path('valid.fprop');
await MODEL.save(VALID);
const VALID_BYTES = readFileSync(VALID);

/** Paths: writable, in a missing directory, a directory, empty, with a NUL byte, or not a string. */
const path = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('m.fprop', 'deeper name with spaces.fprop', 'm.safetensors', 'x') .map((name) => files.path(name)) },
  { weight: 2, arbitrary: fc.constantFrom(files.path('missing-dir/m.fprop'), files.path('a-directory'), '', files.path('nul\0byte'), files.path('valid.fprop/inside')) },
  { weight: 1, arbitrary: wrongNonString }, // not its strings: they are relative paths, written to the working directory
);

/** The model file with one header field replaced (or deleted), and the checksum recomputed so that the damage gets past it. */
function withHeader(mutate: (header: Record<string, unknown>) => void): Buffer {
  const headerLength = VALID_BYTES.readUInt32LE(8);
  const header = JSON.parse(VALID_BYTES.toString('utf8', 12, 12 + headerLength)) as Record<string, unknown>;
  const oldStart = 12 + headerLength + ((4 - ((12 + headerLength) % 4)) % 4);
  const sections = VALID_BYTES.subarray(oldStart, VALID_BYTES.length - 32);
  mutate(header);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.from(VALID_BYTES.subarray(0, 12));
  preamble.writeUInt32LE(json.length, 8);
  const body = Buffer.concat([preamble, json, Buffer.alloc((4 - ((12 + json.length) % 4)) % 4), sections]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

const HEADER_FIELDS = [
  'format', 'architecture', 'architecture.inputSize', 'architecture.layers', 'architecture.layers.0', 'architecture.layers.0.units',
  'architecture.layers.0.activation', 'architecture.layers.0.leakySlope', 'architecture.layers.1', 'architecture.layers.1.dropout',
  'architecture.layers.2.activation', 'architecture.loss', 'architecture.huberDelta', 'architecture.seed', 'optimizer', 'optimizer.kind',
  'optimizer.learningRate', 'optimizer.beta1', 'optimizer.nesterov', 'training.step', 'training.epoch', 'training.shuffleState',
  'training.shuffleState.0', 'normalization', 'normalization.method', 'normalization.shift', 'normalization.shift.0', 'normalization.scale.2',
  'sections', 'sections.0.length', 'sections.1.name', 'sections.2',
];
/** JSON values a damaged or hand-edited header might hold. */
const jsonValue = fc.constantFrom<unknown>(null, 0, -1, 1.5, 2 ** 31, 2 ** 53, 1e308, -1e308, '', 'x', 'relu', 'adam', [], [0], {}, { units: 1 }, true, 0.9999999, 4294967296, 'DELETE');

function setPath(root: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let at: unknown = root;
  for (const key of keys.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return;
    at = (at as Record<string, unknown>)[key];
  }
  if (typeof at !== 'object' || at === null) return;
  const last = keys.at(-1)!;
  if (value === 'DELETE') delete (at as Record<string, unknown>)[last];
  else (at as Record<string, unknown>)[last] = value;
}

/** A file to load: the valid one, damaged one way or another, or not a model file at all. */
const modelFile = fc.oneof(
  { weight: 1, arbitrary: fc.constant(VALID_BYTES) },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...HEADER_FIELDS), jsonValue).map(([field, value]) => withHeader((h) => setPath(h, field, value))) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: VALID_BYTES.length - 1 }).map((n) => VALID_BYTES.subarray(0, n)) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => { const b = Buffer.from(VALID_BYTES); b[at % b.length]! ^= xor; return b; }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
);

describe('fuzzing save and load', () => {
  it('save writes a file that loads back the same, or rejects with a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    await fc.assert(fc.asyncProperty(path, async (p) => {
      const target = materialize(p);
      const result = await settle('save', () => MODEL.save(target as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        const back = await Sequential.load(target as string, { backend: 'reference' });
        expect(back.getWeights()).toEqual(MODEL.getWeights());
        back.dispose();
      }
      return true;
    }), { numRuns: 150 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('load gives a working model or rejects with a FastpropError, whatever the file and options', async () => {
    const tally = { ok: 0, failed: 0 };
    const loadOptions = fc.oneof(fc.constant(undefined), options({ backend, threads: fc.constantFrom(1, 2), kernel: fc.constantFrom('scalar', 'avx2') }, { hostile: badValue }));
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 6, arbitrary: modelFile }, { weight: 1, arbitrary: path }), loadOptions, async (file, o) => {
      let target: unknown = file;
      if (Buffer.isBuffer(file)) {
        target = files.path(`load-${n++}.fprop`);
        writeFileSync(target as string, file);
      }
      const result = await settle('load', () => Sequential.load(materialize(target) as never, materialize(o) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        const m = result.value;
        const inputs = m.spec.layers[0]!.inputs;
        const out = m.predict({ data: new Float32Array(inputs), shape: [1, inputs] });
        expect(out.data.length).toBe(m.spec.layers.at(-1)!.units);
        expect(m.getWeights().every((w) => [...w.kernel, ...w.bias].every(Number.isFinite))).toBe(true);
        m.dispose();
      }
      return true;
    }), { numRuns: 200 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });
});

describe('fuzzing the PyTorch interop', () => {
  const disposed = new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError' });
  disposed.dispose();
  const someModel = fc.oneof({ weight: 4, arbitrary: fc.constant<unknown>(MODEL) }, { weight: 1, arbitrary: fc.oneof(fc.constant<unknown>(disposed), badValue) });

  it('exportSafetensors writes both files, or rejects with a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    await fc.assert(fc.asyncProperty(someModel, path, fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: path }), async (m, p, arch) => {
      const target = materialize(p);
      const archPath = materialize(arch);
      const result = await settle('exportSafetensors', () => exportSafetensors(m as never, target as never, archPath as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        const back = await importSafetensors(target as string, { ...(archPath === undefined ? {} : { architecture: archPath as string }), backend: 'reference' });
        expect(back.getWeights()).toEqual(MODEL.getWeights());
        back.dispose();
      }
      return true;
    }), { numRuns: 100 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('regression: exportSafetensors checks both paths before writing anything', async () => {
    const target = files.path('regression.safetensors');
    // An architecture path that is not a string threw a TypeError from node:path.
    await expect(exportSafetensors(MODEL, target, 5 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // A path that is not a string threw a TypeError from the default architecture path ('path.endsWith is not a function').
    await expect(exportSafetensors(MODEL, 5 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // The same file for both: the JSON silently replaced the weights.
    await expect(exportSafetensors(MODEL, target, target)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => readFileSync(target)).toThrow();
  });

  it('importSafetensors builds a working model from a damaged architecture, or rejects with a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    const weights = files.path('interop.safetensors');
    await exportSafetensors(MODEL, weights);
    const arch = JSON.parse(readFileSync(files.path('interop.json'), 'utf8')) as Record<string, unknown>;
    const FIELDS = ['format', 'version', 'inputSize', 'modules', 'modules.0', 'modules.0.type', 'modules.0.in_features', 'modules.0.out_features',
      'modules.1', 'modules.1.negative_slope', 'modules.2.p', 'modules.3.out_features', 'modules.4.dim', 'loss', 'huberDelta', 'penalties',
      'penalties.0', 'penalties.0.l1', 'normalization', 'normalization.method', 'normalization.shift', 'normalization.scale.0'];
    let n = 0;
    const importOptions = fc.oneof(fc.constant({}), options({ loss: fc.constantFrom('sparseCategoricalCrossEntropy', 'meanSquaredError'), seed: fc.integer(), backend }, { hostile: badValue }));
    await fc.assert(fc.asyncProperty(fc.option(fc.tuple(fc.constantFrom(...FIELDS), jsonValue), { freq: 6 }), importOptions, async (mutation, o) => {
      const damaged = structuredClone(arch);
      if (mutation) setPath(damaged, mutation[0], mutation[1]);
      const archPath = files.path(`arch-${n++}.json`);
      writeFileSync(archPath, JSON.stringify(damaged));
      const given = materialize(o);
      let withArch = given;
      try {
        if (isPlainObject(given)) withArch = Object.assign(Object.create(Object.getPrototypeOf(given) as object | null) as object, given, { architecture: archPath });
      } catch {
        // a getter that throws: for importSafetensors to meet
      }
      const result = await settle('importSafetensors', () => importSafetensors(weights, withArch as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        const m = result.value;
        const inputs = m.spec.layers[0]!.inputs;
        expect(m.predict({ data: new Float32Array(inputs), shape: [1, inputs] }).data.length).toBe(m.spec.layers.at(-1)!.units);
        m.dispose();
      }
      return true;
    }), { numRuns: 200 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('torchArchitecture describes a model, or throws a FastpropError for anything else', () => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(someModel, (m) => {
      const result = settleSync('torchArchitecture', () => torchArchitecture(materialize(m) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) expect(result.value.modules.filter((mod) => mod.type === 'Linear')).toHaveLength((m as Sequential).spec.layers.length);
      return true;
    }), { numRuns: 200 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('regression: torchArchitecture of something that is not a model throws ERR_INVALID_ARGUMENT (it threw a TypeError)', () => {
    expect(() => torchArchitecture(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
