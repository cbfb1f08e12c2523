// SPDX-License-Identifier: MIT
// Property-based fuzzing of the public API, part 1 of 6: Sequential's constructor, predict,
// evaluate, gradients, getWeights/setWeights, getOptimizerState/setOptimizerState,
// setNormalization, dispose and use-after-dispose, and gradCheck — on both backends.
// Each call must return something that passes a cheap invariant, or throw a FastpropError (or
// the caller's own hostile error, see arbitraries.ts) — never another error, a crash or a hang.
//
// Properties: 7; generated cases: 500 (constructor) + 1,000 (predict/evaluate/gradients) + 300
// (setWeights) + 300 (setOptimizerState) + 150 (setNormalization) + 300 (dispose) + 300
// (gradCheck) = 2,850.
//
// The public-API fuzz suite is six files, 41 properties and 12,810 generated cases in all
// (test/fuzz/public-*.fuzz.test.ts; the raw binding is test/fuzz/binding.fuzz.test.ts):
//   public-model 2,850 · public-fit 2,000 · public-data 1,750 · public-io 850 · public-loaders 900 · public-misc 4,460.
// A property that can end either way (a result, an error) also asserts that both occurred, so
// none passes vacuously; each finding is pinned by a plain regression test next to its property.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Adam, backendInfo, gradCheck, INITIALIZERS, Normalizer, RMSprop, Sequential, SGD } from '../../src/index.ts';
import { anyValue, arrayKind, element, goodElement, lazyFlat, materialize, nastyNumber, options, settle, settleSync } from './arbitraries.ts';
import { backend, badValue, data, isMatrixOf, KINDS, near } from './models.ts';

/** One model of every kind on every backend, shared by the properties that do not change weights. */
const POOL = new Map(KINDS.flatMap((k) => (['native', 'reference'] as const).map((b) => [`${k.name}/${b}`, k.make(b)] as const)));
afterAll(() => POOL.forEach((m) => m.dispose()));
const pooled = fc.tuple(fc.constantFrom(...KINDS), backend).map(([kind, b]) => ({ kind, model: POOL.get(`${kind.name}/${b}`)! }));

describe('fuzzing Sequential', () => {
  it('the constructor builds a working model or throws a FastpropError', async () => {
    const tally = { built: 0, fitted: 0 };
    const hostile = { hostile: badValue };
    const dense = (activation: fc.Arbitrary<string>) => options({
      units: fc.integer({ min: 1, max: 5 }), activation, kernelInitializer: fc.constantFrom(...INITIALIZERS),
      biasInitializer: fc.constantFrom(...INITIALIZERS), leakySlope: fc.double({ min: -1, max: 1, noNaN: true }), l1: fc.constantFrom(0, 0.01, -0), l2: fc.constantFrom(0, 1e-45),
    }, { required: ['units'], clean: 20, ...hostile });
    const dropout = options({ dropout: fc.constantFrom(0, 0.5, 0.999, 1) }, { required: ['dropout'], clean: 20, ...hostile });
    const hiddenActivation = fc.constantFrom('linear', 'relu', 'sigmoid', 'leakyRelu', 'tanh', 'elu', 'gelu', 'softplus', 'silu', 'softmax');
    const optimizer = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(new SGD(), new Adam(), new RMSprop({ momentum: 0.9 })) },
      { weight: 1, arbitrary: fc.record({
        describe: fc.constantFrom(() => ({ kind: 'sgd' }), () => undefined, () => new SGD({ momentum: 0.5 }).describe(), () => ({ ...new Adam().describe(), learningRate: -1 }), () => ({ ...new SGD().describe(), kind: 'lion' })),
        slotCount: fc.oneof(fc.constantFrom(0, 1, 2), badValue),
      }) },
    );
    const model = fc.constantFrom(['meanSquaredError', 'linear'], ['huber', 'tanh'], ['sparseCategoricalCrossEntropy', 'softmax'], ['binaryCrossEntropy', 'sigmoid'], ['categoricalCrossEntropy', 'softmax'], ['meanAbsoluteError', 'relu'])
      .chain(([loss, last]) => options({
        inputSize: fc.integer({ min: 1, max: 5 }),
        layers: fc.tuple(fc.array(fc.tuple(dense(hiddenActivation), fc.option(dropout)), { maxLength: 2 }), dense(fc.constant(last!)))
          .map(([hidden, out]) => [...hidden.flatMap(([d, p]) => (p === null ? [d] : [d, p])), out]),
        loss: fc.constant(loss), huberDelta: fc.constantFrom(1, 0.5, 1e-30), optimizer, seed: fc.integer(), backend,
        threads: fc.constantFrom(1, 2), kernel: fc.constantFrom(...backendInfo().kernels),
      }, { required: ['inputSize', 'layers', 'loss', 'backend'], clean: 8, ...hostile }));
    await fc.assert(fc.asyncProperty(model, async (o) => {
      const built = settleSync('new Sequential', () => new Sequential(materialize(o) as never));
      if (!built.ok) return true;
      tally.built++;
      const m = built.value;
      const inputs = m.spec.layers[0]!.inputs;
      const outputs = m.spec.layers.at(-1)!.units;
      expect(m.getWeights().map((w) => [w.kernel.length, w.bias.length])).toEqual(m.spec.layers.map((l) => [l.inputs * l.units, l.units]));
      const out = settleSync('predict', () => m.predict({ data: new Float32Array(2 * inputs), shape: [2, inputs] }));
      expect(out.ok && isMatrixOf(out.value, 2, outputs)).toBe(true);
      // A tiny fit ends: it trains, or stops with a FastpropError (e.g. ERR_NON_FINITE_LOSS for a huge leakySlope).
      const y = m.spec.loss === 'sparseCategoricalCrossEntropy' ? new Int32Array(2) : { data: new Float32Array(2 * outputs).fill(1 / outputs), shape: [2, outputs] as [number, number] };
      const fit = await settle('fit', () => m.fit({ data: new Float32Array(2 * inputs).fill(0.5), shape: [2, inputs] }, y, { epochs: 1 }));
      if (fit.ok) {
        expect(fit.value.loss).toHaveLength(1);
        tally.fitted++;
      }
      m.dispose();
      return true;
    }), { numRuns: 500 });
    expect(tally.fitted).toBeGreaterThan(10); // not vacuous: many cases get past every check
  });

  it('regression: absurd layer sizes are refused with ERR_OUT_OF_RANGE before anything is allocated', () => {
    for (const b of ['native', 'reference'] as const) {
      expect(() => new Sequential({ inputSize: 2 ** 24, layers: [{ units: 2 ** 24 }], loss: 'meanSquaredError', backend: b })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => new Sequential({ inputSize: 2 ** 31, layers: [{ units: 1 }], loss: 'meanSquaredError', backend: b })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      expect(() => new Sequential({ inputSize: 1, layers: [{ units: 2 ** 25 }], loss: 'meanSquaredError', backend: b })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    }
  });

  it('regression: a null optimizer, or a hand-made one whose describe() is not a description, is refused by the constructor', () => {
    for (const optimizer of [
      null, // threw "Cannot read properties of null (reading 'describe')"
      { describe: () => undefined, slotCount: 0 }, // fit threw "Cannot read properties of undefined (reading 'learningRate')"
      { describe: () => ({ kind: 'sgd' }), slotCount: 0 }, // the reference backend's fit threw "Cannot read properties of undefined (reading '0')"
      { describe: () => new SGD({ momentum: 0.5 }).describe(), slotCount: 0 }, // momentum needs one buffer
    ]) {
      expect(() => new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: optimizer as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('predict, evaluate and gradients answer with the right shapes or throw a FastpropError', () => {
    const tally = { p: 0, pf: 0, g: 0, gf: 0 };
    fc.assert(fc.property(pooled.chain(({ kind, model }) => data(kind).map((d) => ({ kind, model, d }))), ({ kind, model, d }) => {
      const [x, y] = materialize(d) as [unknown, unknown];
      const p = settleSync('predict', () => model.predict(x as never));
      tally[p.ok ? 'p' : 'pf']++;
      if (p.ok) {
        const rows = Array.isArray(x) ? x.length : (x as { shape: [number] }).shape[0];
        expect(isMatrixOf(p.value, rows, kind.outputs)).toBe(true);
        expect(Array.isArray(p.value)).toBe(Array.isArray(x));
      }
      const e = settleSync('evaluate', () => model.evaluate(x as never, y as never));
      if (e.ok) {
        expect(typeof e.value.loss).toBe('number');
        expect(Object.keys(e.value).sort()).toEqual([kind.name === 'regression' || kind.name === 'huber' ? 'mae' : 'accuracy', 'loss'].sort());
      }
      const g = settleSync('gradients', () => model.gradients(x as never, y as never));
      tally[g.ok ? 'g' : 'gf']++;
      if (g.ok) {
        expect(g.value.layers.map((l) => [l.kernel.length, l.bias.length])).toEqual(model.getWeights().map((l) => [l.kernel.length, l.bias.length]));
      }
      // Same validation everywhere: evaluate and gradients take the same (x, y).
      expect(e.ok).toBe(g.ok);
      return true;
    }), { numRuns: 1000 });
    expect(Math.min(tally.p, tally.pf, tally.g, tally.gf)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('regression: a BigInt64Array of targets is refused with a FastpropError (it threw "Cannot convert a BigInt value to a number")', () => {
    const model = POOL.get('regression/native')!;
    expect(() => model.evaluate([[1, 2, 3]], new BigInt64Array(1) as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('regression: a sparse x of 2^31 rows is refused without allocating for all of them (it threw RangeError: Invalid typed array length)', () => {
    const x: number[][] = [[1, 2, 3]];
    x.length = 2 ** 31;
    expect(() => POOL.get('regression/native')!.predict(x)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  /** n values: right (a Float32Array or number[] of ordinary values), or of any length, kind and content. */
  const flatOf = (n: number) => fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.array(goodElement, { minLength: n, maxLength: n }), fc.boolean()).map(([v, typed]) => (typed ? Float32Array.from(v) : v)) },
    { weight: 1, arbitrary: fc.record({ n: near(n), kind: arrayKind, values: fc.array(element, { minLength: 1, maxLength: 4 }) }).map(({ n: m, kind, values }) => lazyFlat(kind, m, values)) },
  );

  it('setWeights copies in valid weights, and leaves them untouched when it throws', () => {
    const tally = { ok: 0, failed: 0 };
    const weights = (model: Sequential): fc.Arbitrary<unknown> => fc.oneof(
      { weight: 1, arbitrary: badValue },
      {
        weight: 6,
        arbitrary: fc.tuple(...model.getWeights().map((w) => fc.record({ kernel: flatOf(w.kernel.length), bias: flatOf(w.bias.length) })))
          .chain((layers) => fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>(layers) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(layers.slice(1), [...layers, layers[0]], layers.map(() => null)) })),
      },
    );
    fc.assert(fc.property(pooled.chain(({ model }) => weights(model).map((w) => ({ model, w }))), ({ model, w }) => {
      const before = model.getWeights();
      const given = materialize(w);
      const result = settleSync('setWeights', () => model.setWeights(given as never));
      tally[result.ok ? 'ok' : 'failed']++;
      const after = model.getWeights();
      if (result.ok) {
        (given as { kernel: ArrayLike<number>; bias: ArrayLike<number> }[]).forEach((l, i) => {
          expect(Array.from(after[i]!.kernel)).toEqual(Array.from(Float32Array.from(l.kernel)));
          expect(Array.from(after[i]!.bias)).toEqual(Array.from(Float32Array.from(l.bias)));
        });
        model.setWeights(before);
      } else {
        expect(after).toEqual(before);
      }
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('setOptimizerState restores valid state, and leaves it untouched when it throws', () => {
    const tally = { ok: 0, failed: 0 };
    const state = (model: Sequential): fc.Arbitrary<unknown> => {
      const count = model.getWeights().reduce((n, w) => n + w.kernel.length + w.bias.length, 0);
      const slots = model.optimizer.slotCount;
      return fc.oneof(
        { weight: 1, arbitrary: badValue },
        {
          weight: 6,
          arbitrary: fc.record({
            step: fc.oneof(fc.integer({ min: 0, max: 100 }), badValue),
            slots: fc.oneof({ weight: 1, arbitrary: badValue }, { weight: 4, arbitrary: fc.array(flatOf(count), { minLength: Math.max(0, slots - 1), maxLength: slots + 1 }) }),
          }, { requiredKeys: [] }),
        },
      );
    };
    fc.assert(fc.property(pooled.chain(({ model }) => state(model).map((s) => ({ model, s }))), ({ model, s }) => {
      const before = model.getOptimizerState();
      const given = materialize(s) as { step: number; slots: ArrayLike<number>[] };
      const result = settleSync('setOptimizerState', () => model.setOptimizerState(given as never));
      tally[result.ok ? 'ok' : 'failed']++;
      const after = model.getOptimizerState();
      if (result.ok) {
        expect(after.step).toBe(given.step);
        expect(after.slots.map((x) => Array.from(x))).toEqual(given.slots.map((x) => Array.from(Float32Array.from(x))));
        model.setOptimizerState(before);
      } else {
        expect(after).toEqual(before);
      }
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('regression: setOptimizerState takes what getOptimizerState gives for a model that has not trained (it threw "Expected 2 optimizer state buffers, got 0")', () => {
    const model = KINDS[2]!.make('native'); // Adam: two buffers, made by the first fit
    model.setOptimizerState(model.getOptimizerState());
    expect(model.getOptimizerState()).toEqual({ step: 0, slots: [] });
    model.dispose();
  });

  it('setNormalization takes a Normalizer of the right width, or throws a FastpropError and keeps the old one', () => {
    const tally = { ok: 0, failed: 0 };
    const normalizer = fc.oneof(
      badValue,
      fc.constant(undefined),
      fc.integer({ min: 1, max: 4 }).map((n) => new Normalizer('minMax', new Float32Array(n), new Float32Array(n).fill(2))),
    );
    fc.assert(fc.property(pooled, normalizer, ({ model }, n) => {
      const before = model.normalization;
      const given = materialize(n);
      const result = settleSync('setNormalization', () => model.setNormalization(given as never));
      tally[result.ok ? 'ok' : 'failed']++;
      expect(model.normalization).toBe(result.ok ? given : before);
      model.setNormalization(undefined);
      return true;
    }), { numRuns: 150 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('after dispose, every method throws ERR_DISPOSED (and dispose stays idempotent)', async () => {
    const ops = ['predict', 'evaluate', 'gradients', 'getWeights', 'setWeights', 'getOptimizerState', 'setOptimizerState', 'setNormalization', 'save', 'fit', 'backend', 'dispose'] as const;
    await fc.assert(fc.asyncProperty(fc.constantFrom(...KINDS), backend, fc.array(fc.constantFrom(...ops), { minLength: 1, maxLength: 8 }), async (kind, b, sequence) => {
      const model = kind.make(b);
      const x = { data: new Float32Array(2 * kind.inputSize), shape: [2, kind.inputSize] as [number, number] };
      const y = kind.labels ? new Int32Array(2) : { data: new Float32Array(2 * kind.outputs), shape: [2, kind.outputs] as [number, number] };
      const call = (op: (typeof ops)[number]): unknown => {
        switch (op) {
          case 'predict': return model.predict(x);
          case 'evaluate': return model.evaluate(x, y);
          case 'gradients': return model.gradients(x, y);
          case 'getWeights': return model.getWeights();
          case 'setWeights': return model.setWeights(model.getWeights());
          case 'getOptimizerState': return model.getOptimizerState();
          case 'setOptimizerState': return model.setOptimizerState(model.getOptimizerState());
          case 'setNormalization': return model.setNormalization(undefined);
          case 'save': return model.save('/nonexistent-dir/never-written.fprop').catch((e: unknown) => {
            if ((e as { code?: string }).code !== 'ERR_IO') throw e; // alive: the write fails, as it should
          });
          case 'fit': return model.fit(x, y, { epochs: 1 });
          case 'backend': return model.backend;
          case 'dispose': return model.dispose();
        }
      };
      let disposed = false;
      for (const op of sequence) {
        const result = await settle(op, () => call(op));
        if (disposed && op !== 'dispose') expect(result.ok ? 'no error' : (result.error as { code?: string }).code).toBe('ERR_DISPOSED');
        else expect(result.ok ? 'ok' : String(result.error)).toBe('ok');
        if (op === 'dispose') disposed = true;
      }
      model.dispose();
      return true;
    }), { numRuns: 300 });
  });
});

describe('fuzzing gradCheck', () => {
  it('gradCheck reports every tensor, or throws a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    const disposed = KINDS[0]!.make('native');
    disposed.dispose();
    const target = fc.oneof(
      { weight: 6, arbitrary: pooled.chain(({ kind, model }) => data(kind).map((d) => ({ model: model as unknown, d }))) },
      { weight: 1, arbitrary: fc.tuple(fc.oneof(badValue, fc.constant(disposed)), data(KINDS[0]!)).map(([model, d]) => ({ model, d })) },
    );
    fc.assert(fc.property(target, options({ epsilon: fc.constantFrom(1e-3, 1e-5), maxPerTensor: fc.integer({ min: 1, max: 4 }), seed: fc.integer() }), ({ model, d }, o) => {
      const [x, y] = materialize(d) as [unknown, unknown];
      const m = materialize(model);
      const result = settleSync('gradCheck', () => gradCheck(m as never, x as never, y as never, materialize(o) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        expect(result.value.tensors).toHaveLength(2 * (m as Sequential).spec.layers.length);
        expect(typeof result.value.maxRelativeError).toBe('number');
      }
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('regression: gradCheck of something that is not a model throws ERR_INVALID_ARGUMENT (it threw a TypeError)', () => {
    expect(() => gradCheck(5 as never, [[1]], [[1]])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
