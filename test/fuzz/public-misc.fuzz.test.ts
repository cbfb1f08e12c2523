// SPDX-License-Identifier: MIT
// Property-based fuzzing of the public API, part 6 of 6: optimizers, learning-rate schedules,
// callback constructors, backendInfo, isFastpropError and loadMnistDigits' options.
// Each call must return a value that passes a cheap invariant, or throw a FastpropError (or the
// caller's own hostile error, see arbitraries.ts) — never another error, a crash or a hang.
//
// Properties: 16; generated cases: 5 × 300 (optimizers) + 5 × 300 (schedules) + 3 × 300
// (callbacks) + 200 (backendInfo) + 300 (isFastpropError) + 60 (loadMnistDigits) = 4,460.
//
// The public-API fuzz suite is six files, 41 properties and 12,810 generated cases in all
// (test/fuzz/public-*.fuzz.test.ts; the raw binding is test/fuzz/binding.fuzz.test.ts):
//   public-model 2,850 · public-fit 2,000 · public-data 1,750 · public-io 850 · public-loaders 900 · public-misc 4,460.
// A property that can end either way (a result, an error) also asserts that both occurred, so
// none passes vacuously; each finding is pinned by a plain regression test next to its property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Adagrad, Adam, AdamW, backendInfo, constant, cosineAnnealing, EarlyStopping, exponentialDecay, FastpropError,
  isFastpropError, linearWarmup, loadMnistDigits, ModelCheckpoint, ReduceLROnPlateau, RMSprop, Sequential, SGD, stepDecay,
  type LearningRateSchedule,
} from '../../src/index.ts';
import { anyValue, materialize, options, settleSync } from './arbitraries.ts';

const RUNS = 300;
const rate = fc.oneof(fc.double({ min: 1e-6, max: 1, noNaN: true }), fc.constant(0.01));
const fraction = fc.double({ min: 0, max: 0.99, noNaN: true });

describe('fuzzing the optimizers', () => {
  const cases: [string, (o: unknown) => { describe(): { learningRate: number }; slotCount: number }, Record<string, fc.Arbitrary<unknown>>][] = [
    ['SGD', (o) => new SGD(o as never), { learningRate: rate, momentum: fraction, nesterov: fc.boolean() }],
    ['Adam', (o) => new Adam(o as never), { learningRate: rate, beta1: fraction, beta2: fraction, epsilon: rate }],
    ['AdamW', (o) => new AdamW(o as never), { learningRate: rate, beta1: fraction, beta2: fraction, epsilon: rate, weightDecay: fraction }],
    ['RMSprop', (o) => new RMSprop(o as never), { learningRate: rate, rho: fraction, momentum: fraction, epsilon: rate }],
    ['Adagrad', (o) => new Adagrad(o as never), { learningRate: rate, epsilon: rate }],
  ];
  for (const [name, make, known] of cases) {
    it(`${name}: a valid optimizer (one a model accepts) or a FastpropError`, () => {
      const tally = { ok: 0, failed: 0 };
      fc.assert(fc.property(options(known), (o) => {
        const result = settleSync(name, () => make(materialize(o)));
        tally[result.ok ? 'ok' : 'failed']++;
        if (!result.ok) return true;
        const d = result.value.describe();
        expect(Object.values(d).every((v) => typeof v === 'boolean' || typeof v === 'string' || Number.isFinite(v))).toBe(true);
        expect(d.learningRate).toBeGreaterThan(0);
        expect([0, 1, 2]).toContain(result.value.slotCount);
        // What the constructor accepts, a model takes (it checks the description again).
        new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: result.value as never, backend: 'reference' }).dispose();
        return true;
      }), { numRuns: RUNS });
      expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
    });
  }
});

describe('fuzzing the learning-rate schedules', () => {
  const per = fc.constantFrom('step', 'epoch');
  const realSchedule = fc.oneof(
    fc.constantFrom<LearningRateSchedule>(constant(), stepDecay({ every: 2, factor: 0.5, per: 'step' }), exponentialDecay({ factor: 0.9 })),
    fc.oneof(per, anyValue).map((p) => ({ per: p, rate: () => 0.1 })), // a hand-made one, with any 'per'
  );
  const cases: [string, (o: unknown) => LearningRateSchedule, Record<string, fc.Arbitrary<unknown>>, string[]][] = [
    ['constant', () => constant(), {}, []],
    ['stepDecay', (o) => stepDecay(o as never), { every: fc.integer({ min: 1, max: 5 }), factor: fc.double({ min: 0, max: 1, noNaN: true }), per }, ['every', 'factor']],
    ['exponentialDecay', (o) => exponentialDecay(o as never), { factor: fc.double({ min: 0, max: 1, noNaN: true }), per }, ['factor']],
    ['cosineAnnealing', (o) => cosineAnnealing(o as never), { period: fc.integer({ min: 1, max: 5 }), minLearningRate: fc.double({ min: 0, max: 0.1, noNaN: true }), per }, ['period']],
    ['linearWarmup', (o) => linearWarmup(o as never), { steps: fc.integer({ min: 1, max: 5 }), then: realSchedule, per }, ['steps']],
  ];
  for (const [name, make, known, required] of cases) {
    it(`${name}: a schedule with finite non-negative rates, or a FastpropError`, () => {
      const tally = { ok: 0, failed: 0 };
      fc.assert(fc.property(fc.oneof(options(known, { required }), fc.constant(undefined)), fc.constantFrom(0, 1, 7, 1e6, 2 ** 53), (o, t) => {
        const result = settleSync(name, () => make(materialize(o)));
        tally[result.ok ? 'ok' : 'failed']++;
        if (!result.ok) return true;
        expect(['step', 'epoch']).toContain(result.value.per);
        const r = result.value.rate(0.1, t);
        expect(Number.isFinite(r) && r >= 0).toBe(true);
        return true;
      }), { numRuns: RUNS });
      if (name !== 'constant') expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous (constant() takes no options: it never fails)
    });
  }

  it('regression: a schedule called without its options object throws a FastpropError, not a TypeError', () => {
    for (const make of [stepDecay, exponentialDecay, cosineAnnealing, linearWarmup] as ((o?: unknown) => unknown)[]) {
      expect(() => make()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it("regression: linearWarmup checks that 'then' is a schedule (it used to fail later, inside fit)", () => {
    expect(() => linearWarmup({ steps: 1, then: { per: 'epoch' } as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    // A symbol 'per' used to break the mismatch message itself (TypeError: Cannot convert a Symbol value to a string).
    expect(() => linearWarmup({ steps: 1, then: { per: Symbol('s'), rate: () => 0.1 } as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('regression: cosineAnnealing with a huge minLearningRate gives finite rates (it gave -Infinity)', () => {
    const s = cosineAnnealing({ period: 1, minLearningRate: Number.MAX_VALUE });
    expect(s.rate(0.1, 0)).toBe(0.1);
    expect(s.rate(0.1, 1)).toBe(Number.MAX_VALUE);
  });
});

describe('fuzzing the callback constructors', () => {
  const monitor = fc.constantFrom('loss', 'accuracy', 'mae', 'valLoss', 'valAccuracy', 'valMae', 'vall0ss');
  const mode = fc.constantFrom('min', 'max', 'auto');
  const count = fc.integer({ min: 0, max: 5 });
  it('EarlyStopping: an instance or a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(options({ monitor, patience: count, minDelta: fraction, mode, restoreBestWeights: fc.boolean() }), (o) => {
      const result = settleSync('EarlyStopping', () => new EarlyStopping(materialize(o) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) expect(typeof result.value.onEpochEnd).toBe('function');
      return true;
    }), { numRuns: RUNS });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });
  it('ReduceLROnPlateau: an instance or a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(options({ monitor, factor: fraction, patience: count, minDelta: fraction, cooldown: count, minLearningRate: fraction, mode }), (o) => {
      const result = settleSync('ReduceLROnPlateau', () => new ReduceLROnPlateau(materialize(o) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) expect(typeof result.value.onEpochEnd).toBe('function');
      return true;
    }), { numRuns: RUNS });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });
  it('ModelCheckpoint: an instance or a FastpropError (it writes nothing when constructed)', () => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(options({ path: fc.constantFrom('/nonexistent/m.fprop', 'm-{epoch}.fprop'), every: count, saveBestOnly: fc.boolean(), monitor, mode, minDelta: fraction }), (o) => {
      const result = settleSync('ModelCheckpoint', () => new ModelCheckpoint(materialize(o) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) expect(result.value.saved).toEqual([]);
      return true;
    }), { numRuns: RUNS });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });
});

describe('fuzzing backendInfo, isFastpropError and loadMnistDigits', () => {
  it('backendInfo ignores stray arguments and reports a consistent answer', () => {
    const first = backendInfo();
    fc.assert(fc.property(fc.array(anyValue, { maxLength: 3 }), (args) => {
      const info = (backendInfo as (...a: unknown[]) => ReturnType<typeof backendInfo>)(...args.map(materialize));
      expect(info).toEqual(first);
      expect(info.native ? info.kernels.length > 0 && info.kernels.includes(info.kernel!) : typeof info.error === 'string').toBe(true);
      return true;
    }), { numRuns: 200 });
  });

  it('isFastpropError answers a boolean for anything, true exactly for FastpropErrors', () => {
    const error = fc.oneof(
      anyValue.map((v) => ({ value: v, expected: false })),
      fc.constantFrom<{ value: unknown; expected: boolean }>(
        { value: new FastpropError('ERR_IO', 'x'), expected: true },
        { value: Object.assign(new Error('x'), { name: 'FastpropError', code: 'ERR_IO' }), expected: true }, // another realm's
        { value: Object.assign(new Error('x'), { name: 'FastpropError' }), expected: false },
        { value: { name: 'FastpropError', code: 'ERR_IO' }, expected: false },
        { value: new TypeError('x'), expected: false },
      ),
    );
    fc.assert(fc.property(error, ({ value, expected }) => {
      const result = settleSync('isFastpropError', () => isFastpropError(materialize(value)));
      expect(result).toEqual({ ok: true, value: expected });
      return true;
    }), { numRuns: RUNS });
  });

  it('regression: isFastpropError answers false for a revoked Proxy (a catch handler must not throw)', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(isFastpropError(proxy)).toBe(false);
  });

  it('loadMnistDigits: digits split as asked, or a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(options({ testFraction: fc.constantFrom(0, 0.1, 0.5, 0.99), seed: fc.integer() }), (o) => {
      const result = settleSync('loadMnistDigits', () => loadMnistDigits(materialize(o) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (!result.ok) return true;
      const { train, test } = result.value;
      expect(train.x.shape[0] + test.x.shape[0]).toBe(10_000);
      expect(train.x.data.length).toBe(train.x.shape[0] * 784);
      expect(train.labels.every((l) => l >= 0 && l <= 9)).toBe(true);
      return true;
    }), { numRuns: 60 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(3);
  });
});
