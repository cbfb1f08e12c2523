// SPDX-License-Identifier: MIT
/**
 * `fastprop bench`: a small, self-contained throughput check of the installed build — GEMM
 * GFLOP/s at a few square sizes, and MLP training samples/s for the MNIST network — for users of
 * the npm package, who do not have bench/. The full side-by-side benchmark (every kernel and
 * thread count, PyTorch and TF.js, memory) is `npm run bench` in a clone of the repository.
 * @internal
 */
import os from 'node:os';
import { Command } from 'commander';
import { FastpropError } from '../errors.ts';
import { Sequential } from '../model.ts';
import { tryLoadNative, type Kernel } from '../native.ts';
import { Adam } from '../optimizers/adam.ts';
import { Random } from '../random.ts';
import { formatCount, positiveInteger, positiveNumber } from './common.ts';

interface BenchFlags {
  threads?: number;
  seconds: number;
  json?: boolean;
}

export function benchCommand(): Command {
  return new Command('bench')
    .summary('measure GEMM GFLOP/s and MLP training samples/s of this build')
    .description(
      'Measure the installed build: single-precision GEMM (C = A·B, square sizes) in GFLOP/s, and training\n' +
        'throughput of the MNIST network 784-512-256-10 (batch 64, Adam) in samples/s, on the native backend.\n' +
        'The full side-by-side comparison (every kernel and thread count, PyTorch, TF.js, memory) is\n' +
        '`npm run bench` in a clone of the fastprop repository; it is not part of the npm package.',
    )
    .option('--threads <n>', 'GEMM threads (default: FASTPROP_THREADS, else the number of cores)', positiveInteger)
    .option('--seconds <s>', 'time budget of each measurement', positiveNumber, 1)
    .option('--json', 'print the results as one JSON object')
    .action(async (flags: BenchFlags) => {
      await bench(flags);
    });
}

/** Runs `fn` in rounds until `seconds` have passed; returns the best rate (work units per second) over the rounds. */
function measure(seconds: number, work: number, fn: () => void): number {
  fn(); // warm up: packing buffers, thread pool, caches
  let best = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    let calls = 0;
    do {
      fn();
      calls++;
    } while (performance.now() - t0 < 50);
    best = Math.max(best, (calls * work) / ((performance.now() - t0) / 1000));
  }
  return best;
}

async function bench(flags: BenchFlags): Promise<void> {
  const loaded = tryLoadNative();
  if ('error' in loaded) {
    throw new FastpropError('ERR_NATIVE_UNAVAILABLE', `fastprop bench measures the native addon, which did not load. ${loaded.error.message}`);
  }
  const { binding } = loaded;
  const info = binding.backendInfo();
  const kernel: Kernel = info.defaultKernel;
  const threads = flags.threads ?? info.defaultThreads;
  const say = (line: string) => {
    if (!flags.json) process.stdout.write(`${line}\n`);
  };
  say(`fastprop bench: ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores; kernel ${kernel}, ${threads} thread${threads === 1 ? '' : 's'}`);
  say('');

  const random = new Random(1);
  const gemm: { size: number; gflops: number }[] = [];
  say('GEMM (C = A·B, float32)      GFLOP/s');
  for (const size of [128, 256, 512, 1024]) {
    const a = new Float32Array(size * size).map(() => random.uniform(-1, 1));
    const b = new Float32Array(size * size).map(() => random.uniform(-1, 1));
    const c = new Float32Array(size * size);
    const flops = 2 * size * size * size;
    const rate = measure(flags.seconds / 4, flops, () => binding._sgemm(false, false, size, size, size, 1, a, size, b, size, 0, c, size, null, kernel, threads));
    gemm.push({ size, gflops: rate / 1e9 });
    say(`  ${`${size} × ${size} × ${size}`.padEnd(26)} ${(rate / 1e9).toFixed(1).padStart(7)}`);
  }

  // Training throughput: whole epochs of random MNIST-shaped data, one native call each.
  const rows = 4096;
  const x = new Float32Array(rows * 784).map(() => random.uniform(0, 1));
  const y = Int32Array.from({ length: rows }, () => Math.floor(random.uniform(0, 10)));
  const model = new Sequential({
    inputSize: 784,
    layers: [{ units: 512, activation: 'relu', kernelInitializer: 'heNormal' }, { units: 256, activation: 'relu', kernelInitializer: 'heNormal' }, { units: 10, activation: 'softmax' }],
    loss: 'sparseCategoricalCrossEntropy', optimizer: new Adam(), seed: 1, backend: 'native', threads,
  });
  let samplesPerSecond = 0;
  try {
    const data = { data: x, shape: [rows, 784] as [number, number] };
    await model.fit(data, y, { epochs: 1, batchSize: 64 }); // warm up
    const end = performance.now() + flags.seconds * 1000;
    while (performance.now() < end) {
      const t0 = performance.now();
      await model.fit(data, y, { epochs: 1, batchSize: 64 });
      samplesPerSecond = Math.max(samplesPerSecond, rows / ((performance.now() - t0) / 1000));
    }
  } finally {
    model.dispose();
  }
  say('');
  say('MLP training (784-512-256-10, batch 64, Adam)   samples/s');
  say(`  ${''.padEnd(46)} ${formatCount(samplesPerSecond).padStart(9)}`);
  say('');
  say('The full comparison with PyTorch and TF.js: `npm run bench` in a clone of the fastprop repository.');
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ kernel, threads, gemm, mlp: { network: '784-512-256-10', batchSize: 64, optimizer: 'adam', samplesPerSecond: Math.round(samplesPerSecond) } })}\n`);
  }
}
