// SPDX-License-Identifier: MIT
/**
 * Timing. Short operations (a GEMM, a 10,000-step XOR fit) go through benchmark.js Suites, which
 * calibrate a loop count per cycle and keep every cycle's time; long ones (a training run of
 * 1–3 s) use {@link throughput}, because benchmark.js would spend several of its calibration
 * cycles on each of them. Both report medians: on a shared, noisy machine the mean is pulled by
 * the slow outliers that other tenants cause.
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
 * median seconds per operation. benchmark.js's first (calibration) cycle doubles as the warm-up.
 */
export function runSuite(cases: readonly MicroCase[], options: MicroOptions): Promise<Map<string, number>> {
  const suite = new Benchmark.Suite();
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
  let failure: unknown;
  return new Promise((resolve, reject) => {
    suite.on('error', (event: { target: Benchmark }) => { failure ??= event.target.error; });
    suite.on('complete', () => {
      if (failure !== undefined) return reject(failure instanceof Error ? failure : new Error(String(failure)));
      const out = new Map<string, number>();
      for (let i = 0; i < suite.length; i++) {
        const bench = (suite as unknown as Record<number, Benchmark>)[i]!;
        out.set(bench.name ?? String(i), median(bench.stats.sample as number[]));
      }
      resolve(out);
    });
    suite.run({ async: true });
  });
}

export interface ThroughputOptions {
  /** Target seconds per timed sample. */
  readonly seconds: number;
  /** Timed samples; the median is reported. */
  readonly samples: number;
}

/**
 * Work items per second of an async workload, e.g. training samples per second.
 *
 * `run(size)` does a chunk of work of about `size` (it may round) and resolves with the number of
 * items it really did. The chunk size grows ×4 from 1 until a chunk takes a tenth of the budget
 * (those chunks are the warm-up: JIT, caches, thread pools), is then scaled so a chunk lasts
 * `seconds`, and `samples` chunks are timed.
 */
export async function throughput(run: (size: number) => Promise<number>, options: ThroughputOptions): Promise<{ perSecond: number; samples: number[] }> {
  let size = 1;
  let rate = 0;
  for (;;) {
    const started = performance.now();
    const done = await run(size);
    const seconds = (performance.now() - started) / 1000;
    rate = done / seconds;
    if (seconds >= options.seconds / 10) break;
    size = done * 4;
  }
  const samples: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    const started = performance.now();
    const done = await run(Math.max(1, Math.round(rate * options.seconds)));
    samples.push(done / ((performance.now() - started) / 1000));
  }
  return { perSecond: median(samples), samples };
}
