// SPDX-License-Identifier: MIT
/**
 * MLP 784-512-256-10 training throughput (samples/s): relu, softmax + sparse categorical
 * cross-entropy, SGD with momentum 0.9 and learning rate 0.01, as bench/torch_mlp.py.
 *
 * What is timed: the user-facing training call, `model.fit` (fastprop, TF.js), over a fixed
 * synthetic dataset of up to 1024 rows (the first `rows` of bench/data.ts's set, a multiple of
 * the batch), for as many epochs as fill the budget; throughput = rows × epochs ÷ wall time. It
 * includes what fit does besides the maths (checking the data, shuffling, per-epoch logs), which
 * PyTorch's figure does not: its runner times bare steps on one fixed batch. Each batch size
 * measures every system back to back, so they share the machine's state of the moment.
 */
import { SGD, Sequential } from '../dist/index.js';
import type { BenchContext, SectionResult } from './context.ts';
import { classification, type Classification } from './data.ts';
import { throughput, type ThroughputOptions } from './stats.ts';
import { divide, num, ratio, verdict, type Table } from './table.ts';
import { tfjsTrainer, wasmDetails } from './tfjs.ts';
import { runTorch, type TorchOutcome } from './torch.ts';

export const BATCHES = [1, 8, 64, 256, 1024] as const;
/** The reference backend (float64 TypeScript) is slow: only these batches, with a short budget. */
const REFERENCE_BATCHES = new Set([1, 8, 64]);
const MAX_ROWS = 1024;

/** A system under test, set up for one batch size. */
export interface Trainer {
  /** Trains over the dataset's first `rows` rows (a multiple of the batch size), `epochs` times. */
  train(rows: number, epochs: number): Promise<void>;
  dispose(): void;
}

function fastpropTrainer(data: Classification, batchSize: number, backend: 'native' | 'reference', threads?: number): Trainer {
  const model = new Sequential({
    inputSize: data.features,
    layers: [
      { units: 512, activation: 'relu' },
      { units: 256, activation: 'relu' },
      { units: data.classes, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossEntropy',
    optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }),
    seed: 1,
    backend,
    ...(threads === undefined ? {} : { threads }),
  });
  return {
    async train(rows, epochs) {
      const x = { data: data.x.subarray(0, rows * data.features), shape: [rows, data.features] as const };
      await model.fit(x, data.labels.subarray(0, rows), { epochs, batchSize });
    },
    dispose: () => model.dispose(),
  };
}

/** Samples per second of a trainer, with chunk sizes mapped onto (rows, epochs). */
async function measure(trainer: Trainer, batchSize: number, budget: ThroughputOptions): Promise<number> {
  const stepsPerEpoch = Math.max(1, Math.floor(MAX_ROWS / batchSize));
  try {
    const result = await throughput(async (samples) => {
      const rows = batchSize * Math.min(stepsPerEpoch, Math.max(1, Math.ceil(samples / batchSize)));
      const epochs = Math.max(1, Math.round(samples / rows));
      await trainer.train(rows, epochs);
      return rows * epochs;
    }, budget);
    return result.perSecond;
  } finally {
    trainer.dispose();
  }
}

interface Row {
  batch: number;
  native: number;
  native1: number;
  reference?: number;
  tfjsCpu: number;
  tfjsWasm: number;
  torch: TorchOutcome;
  torch1: TorchOutcome;
}

function torchRate(outcome: TorchOutcome, batch: number): number | undefined {
  return 'ok' in outcome ? outcome.ok.mlp_784_512_256_10?.[String(batch)]?.samples_per_s : undefined;
}

/** The per-batch target against PyTorch on the same cores. */
function torchGoal(batch: number): number {
  return batch === 1 ? 5 : batch === 64 ? 1.5 : 1.2;
}

export async function mlpSection(ctx: BenchContext): Promise<SectionResult> {
  const data = classification(MAX_ROWS, 784, 10);
  const n = ctx.threads;
  const short: ThroughputOptions = { seconds: Math.min(1, ctx.train.seconds), samples: Math.min(3, ctx.train.samples) };
  const others: ThroughputOptions = { seconds: ctx.train.seconds, samples: Math.min(3, ctx.train.samples) };
  const wasmInfo = await wasmDetails();
  const rows: Row[] = [];
  for (const b of BATCHES) {
    ctx.log(`mlp: batch ${b}`);
    const native = await measure(fastpropTrainer(data, b, 'native', n), b, ctx.train);
    const native1 = await measure(fastpropTrainer(data, b, 'native', 1), b, ctx.train);
    const torchArgs = ['--batches', String(b), '--gemm', '', '--seconds', String(ctx.torchSeconds)];
    const torch = await runTorch(n, torchArgs);
    const torch1 = n === 1 ? torch : await runTorch(1, torchArgs);
    const reference = REFERENCE_BATCHES.has(b) ? await measure(fastpropTrainer(data, b, 'reference'), b, short) : undefined;
    const tfjsCpu = await measure(await tfjsTrainer('cpu', data, b), b, others);
    const tfjsWasm = await measure(await tfjsTrainer('wasm', data, b), b, others);
    rows.push({ batch: b, native, native1, ...(reference === undefined ? {} : { reference }), tfjsCpu, tfjsWasm, torch, torch1 });
  }

  const missing = (o: TorchOutcome) => ('missing' in o ? o.missing : undefined);
  const throughputTable: Table = {
    title: 'MLP 784-512-256-10 training throughput (samples/s)',
    headers: ['batch', `fastprop native ×${n}`, 'fastprop native ×1', 'fastprop reference', 'TF.js cpu', 'TF.js wasm', `PyTorch ×${n}`, 'PyTorch ×1'],
    rows: rows.map((r) => [
      String(r.batch), num(r.native), num(r.native1), r.reference === undefined ? 'skipped (slow)' : num(r.reference), num(r.tfjsCpu), num(r.tfjsWasm),
      missing(r.torch) ?? num(torchRate(r.torch, r.batch)), missing(r.torch1) ?? num(torchRate(r.torch1, r.batch)),
    ]),
    notes: [
      '×N: threads. fastprop and TF.js: median over timed `model.fit` runs of 1–3 s on a fixed synthetic dataset (≤ 1024 rows, reshuffled each epoch), after warm-up runs; PyTorch: median of timed chunks of bare training steps on one fixed batch (bench/torch_mlp.py), best of its two threading layouts, OpenBLAS unpinned',
      `reference backend only at batch ${[...REFERENCE_BATCHES].join(', ')} (float64 TypeScript; a short budget); ${wasmInfo}; TF.js cpu is single-threaded JS`,
    ],
  };
  const ratioTable: Table = {
    title: 'MLP training: fastprop native ÷ each system (same batch, same run)',
    headers: ['batch', `÷ PyTorch ×${n}`, 'target', '×1 ÷ PyTorch ×1', '÷ reference', '÷ TF.js cpu', '÷ TF.js wasm', 'target'],
    rows: rows.map((r) => {
      const vsTorch = divide(r.native, torchRate(r.torch, r.batch));
      const vsWasm = divide(r.native, r.tfjsWasm);
      const goal = torchGoal(r.batch);
      return [
        String(r.batch), ratio(vsTorch), verdict(vsTorch, `≥ ${goal}×`, (v) => v >= goal),
        ratio(divide(r.native1, torchRate(r.torch1, r.batch))), ratio(divide(r.native, r.reference)),
        ratio(divide(r.native, r.tfjsCpu)), ratio(vsWasm), r.batch === 64 ? verdict(vsWasm, '≥ 100×', (v) => v >= 100) : '',
      ];
    }),
    notes: [`fastprop native on ${n} threads unless marked ×1; PyTorch on the same thread count`],
  };
  const json = rows.map((r) => ({
    batch: r.batch, fastpropNative: r.native, fastpropNative1: r.native1, fastpropReference: r.reference ?? null, tfjsCpu: r.tfjsCpu,
    tfjsWasm: r.tfjsWasm, torch: torchRate(r.torch, r.batch) ?? null, torch1: torchRate(r.torch1, r.batch) ?? null,
  }));
  return { tables: [throughputTable, ratioTable], data: { threads: n, samplesPerSecond: json } };
}
