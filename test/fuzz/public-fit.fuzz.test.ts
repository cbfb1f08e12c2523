// SPDX-License-Identifier: MIT
// Property-based fuzzing of the public API, part 2 of 6: Sequential.fit — with arrays, with an
// InMemoryDataset and with StreamingDatasets of every shape — on both backends, with hostile
// options, schedules, abort signals and callbacks that misbehave (throw, stop, call the model
// back, set the learning-rate scale to nonsense, put back garbage weights) and with fastprop's
// own EarlyStopping, ReduceLROnPlateau and ModelCheckpoint among them.
// Every fit must resolve with a consistent history or reject with a FastpropError (or the
// caller's own hostile error) within its time limit; afterwards the model's weights are finite
// and it still predicts. Fits are tiny: at most 2 epochs of at most 5 rows.
//
// Properties: 2; generated cases: 1,000 (arrays) + 1,000 (datasets and streams) = 2,000.
//
// The public-API fuzz suite is six files, 41 properties and 12,810 generated cases in all
// (test/fuzz/public-*.fuzz.test.ts; the raw binding is test/fuzz/binding.fuzz.test.ts):
//   public-model 2,850 · public-fit 2,000 · public-data 1,750 · public-io 850 · public-loaders 900 · public-misc 4,460.
// A property that can end either way (a result, an error) also asserts that both occurred, so
// none passes vacuously; each finding is pinned by a plain regression test next to its property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  constant, cosineAnnealing, EarlyStopping, InMemoryDataset, linearWarmup, ModelCheckpoint, ReduceLROnPlateau, Sequential, stepDecay,
  StreamingDataset, type Callback, type History, type TrainingContext,
} from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';
import { Hostile, isPlainObject, materialize, settle, withFault, wrongType, type Settled } from './arbitraries.ts';
import { backend, data, goodMatrix, goodTargets, KINDS, trainingData, type Kind } from './models.ts';

/** Hostile values that are not a valid large integer (2^31 epochs would be a valid, endless fit). */
const bad = fc.oneof(wrongType, fc.constantFrom(0, -0, -1, 1.5, NaN, Infinity, -Infinity, -(2 ** 31)));

type Action = 'noop' | 'throw' | 'stop' | 'predict' | 'fitAgain' | 'dispose' | 'saveWeightsBack' | 'garbageWeights' | 'scale' | 'notAFunction' | 'abort';
const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;
/** Mostly actions a callback may take; sometimes one that must fail (throw, garbage weights, a hook that is not a function). */
const action = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom<Action>('noop', 'stop', 'predict', 'fitAgain', 'dispose', 'saveWeightsBack', 'scale', 'abort') },
  { weight: 1, arbitrary: fc.constantFrom<Action>('throw', 'garbageWeights', 'notAFunction') },
);
const callbackSpec = fc.record(Object.fromEntries(HOOKS.map((h) => [h, action])) as Record<(typeof HOOKS)[number], fc.Arbitrary<Action>>, { requiredKeys: [] });
const scaleValue = fc.constantFrom<unknown>(0.5, 0, -1, NaN, Infinity, 'x', 1e30);

/**
 * Callbacks doing `spec`'s actions. Calling the model back must give ERR_BUSY (fit, dispose) or
 * work (predict); anything else is reported by throwing a plain Error, which fails the property.
 */
function callbacks(specs: (Record<string, Action> | (typeof BUILTINS)[number])[], model: Sequential, kind: Kind, scale: unknown, abort: AbortController): Callback[] {
  const x = { data: new Float32Array(kind.inputSize), shape: [1, kind.inputSize] as [number, number] };
  const act = async (action: Action, context: TrainingContext) => {
    switch (action) {
      case 'noop': return;
      case 'throw': throw new Hostile('callback');
      case 'stop': return context.stopTraining();
      case 'predict': model.predict(x); return;
      case 'fitAgain': {
        const again = await settle('fit inside fit', () => model.fit(x, kind.labels ? [0] : [Array(kind.outputs).fill(0)]));
        if (again.ok || (again.error as { code?: string }).code !== 'ERR_BUSY') throw new Error('a fit inside fit did not fail with ERR_BUSY');
        return;
      }
      case 'dispose': {
        const result = await settle('dispose inside fit', () => model.dispose());
        if (result.ok || (result.error as { code?: string }).code !== 'ERR_BUSY') throw new Error('dispose inside fit did not fail with ERR_BUSY');
        return;
      }
      case 'saveWeightsBack': return context.setWeights(context.getWeights());
      case 'garbageWeights': return context.setWeights([{ kernel: new Float32Array(1), bias: null }] as never);
      case 'scale': context.learningRateScale = scale as number; return;
      case 'abort': return abort.abort();
      case 'notAFunction': return;
    }
  };
  return specs.map((spec) => {
    if (typeof spec === 'string') return builtin(spec);
    return Object.fromEntries(Object.entries(spec).map(([hook, action]) => [
      hook,
      action === 'notAFunction' ? 5 : (...args: unknown[]) => act(action, args.at(-1) as TrainingContext),
    ])) as Callback;
  });
}

/** fastprop's own callbacks, some monitoring what a fit may not report (valLoss without validation data). */
const BUILTINS = ['earlyStopping', 'earlyStoppingVal', 'reduceLr', 'reduceLrVal', 'checkpoint', 'checkpointBest'] as const;
const checkpoints = tempDir('fastprop-fuzz-fit-');
function builtin(name: (typeof BUILTINS)[number]): Callback {
  switch (name) {
    case 'earlyStopping': return new EarlyStopping({ monitor: 'loss', restoreBestWeights: true });
    case 'earlyStoppingVal': return new EarlyStopping({ monitor: 'valLoss', patience: 1 });
    case 'reduceLr': return new ReduceLROnPlateau({ monitor: 'loss', patience: 0, factor: 0.5 });
    case 'reduceLrVal': return new ReduceLROnPlateau({ monitor: 'valAccuracy', patience: 0 });
    case 'checkpoint': return new ModelCheckpoint({ path: checkpoints.path('last-{epoch}.fprop'), every: 1 });
    case 'checkpointBest': return new ModelCheckpoint({ path: checkpoints.path('best.fprop'), saveBestOnly: true, monitor: 'loss' });
  }
}

/** Fit options: valid ones (with callbacks that misbehave), one fault at a time (see withFault()). */
function fitOptions(kind: Kind): fc.Arbitrary<unknown> {
  const schedule = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(constant(), stepDecay({ every: 1, factor: 0.5, per: 'step' }), cosineAnnealing({ period: 2 }), linearWarmup({ steps: 2, per: 'step' }), { per: 'epoch' as const, rate: () => 0.1 }) },
    { weight: 1, arbitrary: fc.record({ per: fc.constantFrom('step', 'epoch', 'week'), rate: fc.constantFrom(() => NaN, () => -1, () => 'x', () => Infinity, () => { throw new Hostile('rate'); }) }) },
  );
  const known = {
    epochs: fc.constantFrom(1, 2), batchSize: fc.constantFrom(1, 2, 3, 32, 2 ** 31, 2 ** 53), shuffle: fc.boolean(), seed: fc.integer(),
    callbacks: fc.array(fc.oneof({ weight: 3, arbitrary: callbackSpec }, { weight: 1, arbitrary: fc.constantFrom(...BUILTINS) }), { maxLength: 2 }),
    onEpochEnd: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(() => undefined, async () => undefined) }, { weight: 1, arbitrary: fc.constant(() => { throw new Hostile('onEpochEnd'); }) }),
    signal: fc.constantFrom('fresh', 'fresh', 'controller', 'aborted', 'timeout'), schedule,
  };
  // Pairs that exclude each other come one at a time: clipValue or clipNorm, validationData or validationSplit.
  const valid = fc.tuple(
    fc.record(known, { requiredKeys: [] }),
    fc.oneof(fc.constant({}), fc.record({ clipValue: fc.constantFrom(0, 0.5, 1e-45, 1e30) }), fc.record({ clipNorm: fc.constantFrom(0, 1, 3.4e38) })),
    fc.oneof(fc.constant({}), fc.record({ validationData: fc.oneof(trainingData(kind), fc.constant('dataset')) }), fc.record({ validationSplit: fc.constantFrom(0.25, 0.5, 0.99) })),
  ).map(([a, b, c]) => ({ ...a, ...b, ...c }));
  return withFault(valid, [...Object.keys(known), 'clipValue', 'clipNorm', 'validationData', 'validationSplit'], { hostile: bad });
}

/** Builds the options object of one case: its callbacks, signal and validation dataset. */
function buildOptions(raw: unknown, model: Sequential, kind: Kind, scale: unknown, abort: AbortController): unknown {
  const o = materialize(raw);
  try {
    if (!isPlainObject(o)) return o;
    const built: Record<string, unknown> = Object.assign(Object.create(Object.getPrototypeOf(o) as object | null) as object, o);
    if (Array.isArray(built.callbacks)) built.callbacks = callbacks(built.callbacks as Parameters<typeof callbacks>[0], model, kind, scale, abort);
    if (built.signal === 'fresh') built.signal = new AbortController().signal;
    else if (built.signal === 'aborted') built.signal = AbortSignal.abort(new Hostile('aborted before'));
    else if (built.signal === 'controller') built.signal = abort.signal;
    else if (built.signal === 'timeout') built.signal = AbortSignal.timeout(1);
    if (built.validationData === 'dataset') {
      const x = [Array.from({ length: kind.inputSize }, (_, i) => i / 4), Array.from({ length: kind.inputSize }, (_, i) => -i / 4)];
      built.validationData = new InMemoryDataset(x, kind.labels ? [0, kind.outputs - 1] : [Array(kind.outputs).fill(0.5), Array(kind.outputs).fill(0.25)]);
    }
    return built;
  } catch {
    return o; // a hostile object (a throwing getter, a revoked Proxy): for fit to meet as it is
  }
}

/** options.epochs, unless reading it throws (a hostile getter). */
function epochsOf(options: unknown): unknown {
  try {
    return (options as { epochs?: unknown } | null)?.epochs ?? 1;
  } catch {
    return undefined;
  }
}

/** What must hold after any fit: a consistent history if it resolved, finite weights, a model that predicts. */
function checkAfterFit(result: Settled<History>, model: Sequential, kind: Kind, epochs: unknown): void {
  if (result.ok) {
    const h = result.value;
    const n = h.loss.length;
    if (typeof epochs === 'number') expect(n).toBeLessThanOrEqual(epochs);
    for (const series of Object.values(h)) expect((series as number[]).length).toBe(n);
  }
  for (const w of model.getWeights()) expect([...w.kernel, ...w.bias].every(Number.isFinite)).toBe(true);
  expect(model.predict({ data: new Float32Array(kind.inputSize), shape: [1, kind.inputSize] }).data.length).toBe(kind.outputs);
}

const model = fc.tuple(fc.constantFrom(...KINDS), backend);

describe('fuzzing Sequential.fit', () => {
  it('fit(x, y, options) resolves with a consistent history or rejects with a FastpropError; the model stays usable', async () => {
    const tally = { ok: 0, failed: 0 };
    const cases = model.chain(([kind, b]) => fc.record({ kind: fc.constant(kind), b: fc.constant(b), d: trainingData(kind), o: fitOptions(kind), scale: scaleValue }));
    await fc.assert(fc.asyncProperty(cases, async ({ kind, b, d, o, scale }) => {
      const m = kind.make(b);
      const [x, y] = materialize(d) as [unknown, unknown];
      const abort = new AbortController();
      const given = buildOptions(o, m, kind, scale, abort);
      const result = await settle('fit', () => m.fit(x as never, y as never, given as never), 10_000);
      tally[result.ok ? 'ok' : 'failed']++;
      checkAfterFit(result, m, kind, epochsOf(given));
      m.dispose();
      return true;
    }), { numRuns: 1000 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('regression: a callback hook that is not a function is refused up front (it threw "c.onEpochEnd is not a function" mid-fit)', async () => {
    const m = KINDS[0]!.make('native');
    await expect(m.fit([[1, 2, 3]], [[1]], { callbacks: [{ onEpochEnd: 5 } as never] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    m.dispose();
  });

  it("regression: context.setWeights checks what it is given (garbage threw \"Cannot read properties of undefined (reading 'kernel')\")", async () => {
    const m = KINDS[0]!.make('reference');
    const before = m.getWeights();
    await expect(m.fit([[1, 2, 3]], [[1]], { callbacks: [{ onEpochEnd: (_e, _l, c) => c.setWeights(5 as never) }] })).rejects.toMatchObject({ code: 'ERR_SHAPE_MISMATCH' });
    expect(m.getWeights().length).toBe(before.length);
    m.dispose();
  });

  it("regression: a null schedule, or one counting per 'week', is refused up front (null threw \"Cannot read properties of null (reading 'rate')\")", async () => {
    const m = KINDS[0]!.make('native');
    await expect(m.fit([[1, 2, 3]], [[1]], { schedule: null as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(m.fit([[1, 2, 3]], [[1]], { schedule: { per: 'week', rate: () => 0.1 } as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    m.dispose();
  });

  it('fit(dataset, options) with in-memory and streaming datasets of every shape resolves or rejects with a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    const batch = (kind: Kind) => fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }).chain((rows) => fc.record({ x: goodMatrix(rows, kind.inputSize), y: goodTargets(kind, rows) })) },
      { weight: 1, arbitrary: data(kind).map(([x, y]) => ({ x, y })) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 5, {}, { x: [[1]] }, { x: [[1, 2, 3, 4, 5, 6]], y: [[1]] }) },
    );
    const source = (kind: Kind) => fc.record({
      kind: fc.constantFrom('sync', 'async', 'async', 'sync', 'nonIterable', 'throws', 'throwsMidway', 'null', 'promise'),
      batches: fc.array(batch(kind), { maxLength: 4 }),
      shuffleBuffer: fc.constantFrom(0, 0, 1, 3, 64, 2 ** 31, 2 ** 40),
    });
    const dataset = (kind: Kind) => fc.oneof(
      { weight: 1, arbitrary: fc.tuple(goodMatrix(3, kind.inputSize), goodTargets(kind, 3)).map(([x, y]) => ({ inMemory: [x, y] })) },
      { weight: 4, arbitrary: source(kind) },
    );
    const extra = fc.oneof({ weight: 8, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.constantFrom([[[1]]], [{}, {}], [new Int32Array(1)]) });
    const cases = model.chain(([kind, b]) => fc.record({
      kind: fc.constant(kind), b: fc.constant(b), ds: dataset(kind), o: fitOptions(kind), scale: scaleValue, extra,
    }));
    await fc.assert(fc.asyncProperty(cases, async ({ kind, b, ds, o, scale, extra: rest }) => {
      const m = kind.make(b);
      const built = settle('dataset', () => {
        if ('inMemory' in ds) return new InMemoryDataset(...(materialize(ds.inMemory) as [never, never]));
        const batches = materialize(ds.batches) as unknown[];
        const make = (): unknown => {
          switch (ds.kind) {
            case 'sync': return batches.values();
            case 'async': return (async function* () { yield* batches; })();
            case 'nonIterable': return 5;
            case 'throws': throw new Hostile('source');
            case 'throwsMidway': return (function* () { yield batches[0]; throw new Hostile('midway'); })();
            case 'null': return null;
            default: return Promise.resolve(batches);
          }
        };
        return new StreamingDataset(make as never, { shuffleBuffer: ds.shuffleBuffer });
      });
      const made = await built;
      if (!made.ok) return true;
      const abort = new AbortController();
      const given = buildOptions(o, m, kind, scale, abort);
      const result = await settle('fit(dataset)', () => (m.fit as (...a: unknown[]) => Promise<History>)(made.value, ...(rest.length ? rest : [given])), 10_000);
      tally[result.ok ? 'ok' : 'failed']++;
      checkAfterFit(result, m, kind, epochsOf(given));
      m.dispose();
      return true;
    }), { numRuns: 1000 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('regression: a stream whose source returns something that is not iterable is refused with a FastpropError (it threw a TypeError)', async () => {
    const m = KINDS[0]!.make('native');
    await expect(m.fit(new StreamingDataset(() => 5 as never))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    m.dispose();
  });

  it('regression: a shuffle buffer of 2^31 rows is filled as rows come, not allocated up front (it threw RangeError: Invalid typed array length)', async () => {
    const m = KINDS[0]!.make('native');
    const stream = new StreamingDataset(function* () { yield { x: [[1, 2, 3], [4, 5, 6]], y: [1, 2] }; }, { shuffleBuffer: 2 ** 31 });
    const history = await m.fit(stream, { epochs: 2, batchSize: 2 ** 31 });
    expect(history.loss).toHaveLength(2);
    m.dispose();
  });
});
