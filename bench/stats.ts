// SPDX-License-Identifier: MIT
/**
 * Timing. Short operations (a GEMM, a 10,000-step XOR fit) go through benchmark.js Suites, which
 * calibrate a loop count per cycle and keep every cycle's time. Long ones (training runs of
 * 1–3 s) are {@link Contender}s timed in alternating rounds by {@link interleave}: on a shared
 * machine, load that comes and goes then hits every system alike, instead of whichever happened
 * to be running. Both report medians: the mean is pulled by the slow outliers other tenants cause.
 */
import Benchmark from 'benchmark';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One case of a Suite: a synchronous function, or an async one (run with `defer: true`). */
export type MicroCase =
  | { readonly name: string; readonly fn: () => void }
  | { readonly name: string; readonly async: () => Promise<unknown> };

export interface MicroOptions {
  /** Seconds benchmark.js may keep sampling one case once it has `minSamples`. */
  readonly maxTime: number;
  readonly minSamples: number;
}

/**
 * Runs the cases as one benchmark.js Suite, one after the other, and resolves with each case's
 * samples (seconds per operation, one per cycle); callers take the median, possibly over several
 * Suites. benchmark.js's first (calibration) cycle doubles as the warm-up.
 */
export function runSuite(cases: readonly MicroCase[], options: MicroOptions): Promise<Map<string, number[]>> {
  const suite = new Benchmark.Suite();
  let failure: unknown;
  for (const c of cases) {
    const common = { maxTime: options.maxTime, minSamples: options.minSamples };
    if ('fn' in c) {
      // A closure: benchmark.js cannot inline its source into the timing loop (it would lose the
      // captured variables), so it calls it; the call costs nanoseconds against microseconds.
      suite.add(c.name, c.fn, common);
    } else {
      const run = c.async;
      suite.add(c.name, {
        ...common,
        defer: true,
        fn: (deferred: { resolve(): void }) => {
          run().then(() => deferred.resolve(), (error: unknown) => {
            failure ??= error;
            deferred.resolve();
          });
        },
      });
    }
  }
  return new Promise((resolve, reject) => {
    suite.on('error', (event: { target: Benchmark }) => { failure ??= event.target.error; });
    suite.on('complete', () => {
      if (failure !== undefined) return reject(failure instanceof Error ? failure : new Error(String(failure)));
      const out = new Map<string, number[]>();
      for (let i = 0; i < suite.length; i++) {
        const bench = (suite as unknown as Record<number, Benchmark>)[i]!;
        out.set(bench.name ?? String(i), [...(bench.stats.sample as number[])]);
      }
      resolve(out);
    });
    suite.run({ async: true });
  });
}

/** A long workload timed in chunks, alternating with others. */
export interface Contender {
  readonly name: string;
  /** Timed chunks wanted (fewer for slow systems far from any target). */
  readonly samples: number;
  /** Warm-up and calibration, before any round. */
  prepare(): Promise<void>;
  /** One timed chunk: work items per second. */
  sample(): Promise<number>;
  dispose(): void;
}

/**
 * Prepares every contender, then runs rounds in which each contender still short of its samples
 * takes one, in turn. Returns every contender's samples.
 */
export async function interleave(contenders: readonly Contender[]): Promise<Map<string, number[]>> {
  const samples = new Map(contenders.map((c) => [c.name, [] as number[]]));
  try {
    for (const c of contenders) await c.prepare();
    const rounds = Math.max(...contenders.map((c) => c.samples));
    for (let round = 0; round < rounds; round++) {
      for (const c of contenders) if (round < c.samples) samples.get(c.name)!.push(await c.sample());
    }
  } finally {
    for (const c of contenders) c.dispose();
  }
  return samples;
}

/**
 * A contender for an async workload: `run(size)` does about `size` work items (it may round) and
 * resolves with the number it did. Preparation grows the size ×4 from 1 until a chunk takes a
 * tenth of `seconds` (those chunks are the warm-up: JIT, caches, thread pools), then scales it so
 * a timed chunk lasts about `seconds`.
 */
export function workload(name: string, samples: number, seconds: number, run: (size: number) => Promise<number>, dispose: () => void): Contender {
  let size = 1;
  return {
    name,
    samples,
    async prepare() {
      for (;;) {
        const started = performance.now();
        const done = await run(size);
        const elapsed = (performance.now() - started) / 1000;
        if (elapsed >= seconds / 10) {
          size = Math.max(1, Math.round((done / elapsed) * seconds));
          return;
        }
        size = done * 4;
      }
    },
    async sample() {
      const started = performance.now();
      const done = await run(size);
      return done / ((performance.now() - started) / 1000);
    },
    dispose,
  };
}
