// SPDX-License-Identifier: MIT
/**
 * MLP 784-512-256-10 training throughput (samples/s): relu, softmax + sparse categorical
 * cross-entropy, SGD with momentum 0.9 and learning rate 0.01, as bench/torch_mlp.py.
 *
 * What is timed: the user-facing training call, `model.fit` (fastprop, TF.js), over a fixed
 * synthetic dataset of up to 1024 rows (the first `rows` of bench/data.ts's set, a multiple of
 * the batch), for as many epochs as fill the budget; throughput = rows × epochs ÷ wall time. It
 * includes what fit does besides the maths (checking the data, shuffling, per-epoch logs), which
 * PyTorch's figure does not: its runner times bare steps on one fixed batch. For each batch
 * size, every system is prepared (warm-up, calibration), then timed in alternating rounds, one
 * chunk each per round, and its median chunk reported.
 */
import { SGD, Sequential } from '../dist/index.js';
import { loadNative } from '../dist/native.js';
import { batchOneFloor } from './batch-one-floor.ts';
import { batchParts } from './batch-64-parts.ts';
import type { BenchContext, SectionResult } from './context.ts';
import { classification, type Classification } from './data.ts';
import { interleave, median, workload, type Contender } from './stats.ts';
import { divide, num, percent, ratio, verdict, type Table } from './table.ts';
import { summarise } from './targets.ts';
import { tfjsTrainer, wasmDetails } from './tfjs.ts';
import { Torch } from './torch.ts';

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

/** A trainer as a contender: chunk sizes in samples, mapped onto (rows, epochs). */
function contender(name: string, trainer: Trainer, batchSize: number, samples: number, seconds: number): Contender {
  const stepsPerEpoch = Math.max(1, Math.floor(MAX_ROWS / batchSize));
  return workload(name, samples, seconds, async (size) => {
    const rows = batchSize * Math.min(stepsPerEpoch, Math.max(1, Math.ceil(size / batchSize)));
    const epochs = Math.max(1, Math.round(size / rows));
    await trainer.train(rows, epochs);
    return rows * epochs;
  }, () => trainer.dispose());
}

type System = 'native' | 'native1' | 'reference' | 'tfjsCpu' | 'tfjsWasm' | 'torch' | 'torch1';
type Row = { batch: number; roundsVsTorch?: number[] } & Partial<Record<System, number>>;

/** The per-batch target against PyTorch on the same cores. */
function torchGoal(batch: number): number {
  return batch === 1 ? 5 : batch === 64 ? 1.5 : 1.2;
}

export async function mlpSection(ctx: BenchContext): Promise<SectionResult> {
  const data = classification(MAX_ROWS, 784, 10);
  const n = ctx.threads;
  const { seconds, samples } = ctx.train;
  const few = Math.min(3, samples);
  const wasmInfo = await wasmDetails();
  const torch = await Torch.open(n);
  const torch1 = n === 1 ? torch : await Torch.open(1);
  const rows: Row[] = [];
  try {
    for (const b of BATCHES) {
      ctx.log(`mlp: batch ${b}`);
      const req = { op: 'mlp', batch: b, seconds } as const;
      const native = contender('native', fastpropTrainer(data, b, 'native', n), b, samples, seconds);
      const torchLayouts = 'missing' in torch ? [] : torch.contenders(req, samples);
      // Round order: the systems the targets compare stand next to each other.
      const contenders: [System, Contender[]][] = [
        ['native', [native]],
        ['torch', torchLayouts],
        ['native1', [contender('native1', fastpropTrainer(data, b, 'native', 1), b, samples, seconds)]],
        ['torch1', 'missing' in torch1 || torch1 === torch ? [] : torch1.contenders(req, samples).map((c) => ({ ...c, name: `${c.name} (1)` }))],
        ['reference', REFERENCE_BATCHES.has(b) ? [contender('reference', fastpropTrainer(data, b, 'reference'), b, few, Math.min(1, seconds))] : []],
        ['tfjsCpu', [contender('tfjsCpu', await tfjsTrainer('cpu', data, b), b, few, seconds)]],
        ['tfjsWasm', [contender('tfjsWasm', await tfjsTrainer('wasm', data, b), b, few, seconds)]],
      ];
      const measured = await interleave(contenders.flatMap(([, c]) => c));
      const row: Row = { batch: b };
      for (const [system, cs] of contenders) {
        // Several contenders for one system are PyTorch's threading layouts: the best one counts.
        if (cs.length > 0) row[system] = Math.max(...cs.map((c) => median(measured.get(c.name)!)));
      }
      if (torch1 === torch && row.torch !== undefined) row.torch1 = row.torch;
      // Round by round, native ÷ PyTorch's better layout in that round: the spread a single
      // reading can have on this machine.
      if (torchLayouts.length > 0) {
        const torchChunks = torchLayouts.map((c) => measured.get(c.name)!);
        row.roundsVsTorch = measured.get(native.name)!.map((v, i) => v / Math.max(...torchChunks.map((chunks) => chunks[i] ?? Number.NaN)));
      }
      rows.push(row);
    }
  } finally {
    if (!('missing' in torch)) torch.close();
    if (!('missing' in torch1) && torch1 !== torch) torch1.close();
  }

  const torchCell = (value: number | undefined, t: typeof torch) => ('missing' in t ? t.missing : num(value));
  const throughputTable: Table = {
    title: 'MLP 784-512-256-10 training throughput (samples/s)',
    headers: ['batch', `fastprop native ×${n}`, 'fastprop native ×1', 'fastprop reference', 'TF.js cpu', 'TF.js wasm', `PyTorch ×${n}`, 'PyTorch ×1'],
    rows: rows.map((r) => [
      String(r.batch), num(r.native), num(r.native1), r.reference === undefined ? 'skipped (slow)' : num(r.reference),
      num(r.tfjsCpu), num(r.tfjsWasm), torchCell(r.torch, torch), torchCell(r.torch1, torch1),
    ]),
    notes: [
      `×N: threads. fastprop and TF.js: \`model.fit\` on a fixed synthetic dataset (≤ 1024 rows, reshuffled each epoch); PyTorch: bare training steps on one fixed batch (bench/torch_mlp.py), OpenBLAS unpinned, ${'missing' in torch ? '' : torch.flushesSubnormals ? 'subnormals flushed to zero as fastprop does (torch.set_flush_denormal), ' : 'subnormals kept (this torch could not flush them), '}the better of its threading layouts ${'missing' in torch ? '' : torch.describeLayouts()}`,
      `all systems of a batch size timed in alternating rounds after warm-up: median of ${samples} chunks of ~${seconds} s each (${few} for the reference backend and TF.js)`,
      `reference backend only at batch ${[...REFERENCE_BATCHES].join(', ')} (float64 TypeScript; chunks ≤ 1 s); ${wasmInfo}; TF.js cpu is single-threaded JS`,
    ],
  };
  const ratioTable: Table = {
    title: 'MLP training: fastprop native ÷ each system (same batch, same run)',
    headers: ['batch', `÷ PyTorch ×${n}`, 'target', 'round by round', '×1 ÷ PyTorch ×1', '÷ reference', '÷ TF.js cpu', '÷ TF.js wasm', 'target'],
    rows: rows.map((r) => {
      const vsTorch = divide(r.native, r.torch);
      const vsWasm = divide(r.native, r.tfjsWasm);
      const goal = torchGoal(r.batch);
      return [
        String(r.batch), ratio(vsTorch), verdict(vsTorch, `≥ ${goal}×`, (v) => v >= goal),
        r.roundsVsTorch ? `${ratio(Math.min(...r.roundsVsTorch))}–${ratio(Math.max(...r.roundsVsTorch))}` : '', ratio(divide(r.native1, r.torch1)),
        ratio(divide(r.native, r.reference)), ratio(divide(r.native, r.tfjsCpu)), ratio(vsWasm),
        r.batch === 64 ? verdict(vsWasm, '≥ 100×', (v) => v >= 100) : '',
      ];
    }),
    notes: [
      `fastprop native on ${n} threads unless marked ×1; PyTorch on the same thread count`,
      `round by round: the lowest and highest of the ${samples} rounds' ratios (each round: fastprop's chunk ÷ the better of PyTorch's layouts in that round); the target is judged on the medians`,
    ],
  };

  const at = (b: number) => rows.find((r) => r.batch === b);
  ctx.log('mlp: batch-1 memory floor');
  const floor = await batchOneFloor(loadNative().backendInfo().defaultKernel, n, ctx.micro);
  const one = at(1);
  const us = (samplesPerSecond: number | undefined) => (samplesPerSecond ? 1e6 / samplesPerSecond : Number.NaN);
  const floorTable: Table = {
    title: `Batch 1: a step's time against its memory floor (µs per step, ${n} threads)`,
    headers: ['', 'µs per step', 'samples/s', '÷ PyTorch ×' + n],
    rows: [
      ['fastprop native step (measured above)', num(us(one?.native)), num(one?.native), ratio(divide(one?.native, one?.torch))],
      [`floor: update, SGD momentum over ${floor.parameters.toLocaleString('en-US')} parameters (16 B each, scaled from a 20 B pass)`, num(floor.updateUs), '', ''],
      ['floor: forward products x·W, layers 2 and 3 (4 B per weight)', num(floor.forwardUs), '', ''],
      ['floor: the sum — the memory traffic a step of this design has left', num(floor.totalUs), num(1e6 / floor.totalUs), ratio(divide(1e6 / floor.totalUs, one?.torch))],
      ['the 5× target: PyTorch\'s step ÷ 5', num(us(one?.torch) / 5), num((one?.torch ?? Number.NaN) * 5), '5.00×'],
    ],
    notes: [
      'each floor part is one memory pass timed on its own (benchmark.js median) with the kernels training uses (bench/batch-one-floor.ts); a batch-1 step fuses its gradient and its backward products δ·Wᵀ into the update pass over W, and the layer-1 product x·W_0 of the next step into the update of W_0, so these passes are the traffic it has left',
      'the update is timed through `_optimizerUpdate`, which also reads a stored gradient (20 B per parameter; the step never stores one): its time is scaled by 16/20, as for a pass bound by memory bandwidth',
      ...(one?.native && floor.totalUs > us(one.native)
        ? [`in this run the floor (${num(floor.totalUs)} µs) came out above the measured step (${num(us(one.native))} µs), so it bounds nothing here: the passes, timed on their own later in the run, ran slower than the step did (on a shared machine, speed changes for seconds at a time)`]
        : []),
    ],
  };
  ctx.log('mlp: batch-64 step, part by part');
  const parts = await batchParts(64, loadNative().backendInfo().defaultKernel, n, ctx.micro);
  const b64 = at(64);
  const gflops = (flops: number, micros: number) => num(flops / micros / 1e3);
  const stepUs = (samplesPerSecond: number | undefined) => parts.batch * us(samplesPerSecond);
  const targetUs = stepUs(b64?.tfjsWasm) / 100;
  // What the products would have to average for a step to fit the target's time, the update as it is.
  const neededGflops = parts.flops / (targetUs - parts.updateUs) / 1e3;
  const partRow = (label: string, time: { us: number; flops: number }) => [label, num(time.us), gflops(time.flops, time.us), '', ''];
  const partsTable: Table = {
    title: `Batch 64: a step's time against its parts, each timed alone (µs per step, ${n} threads)`,
    headers: ['', 'µs per step', 'GFLOP/s', 'samples/s', '÷ TF.js wasm'],
    rows: [
      ['fastprop native step (measured above)', num(stepUs(b64?.native)), gflops(parts.flops, stepUs(b64?.native)), num(b64?.native), ratio(divide(b64?.native, b64?.tfjsWasm))],
      partRow('products x·W, layers 1–3 (forward)', parts.products.forward),
      partRow('products Xᵀ·δ, layers 1–3 (weight gradients)', parts.products.weightGrad),
      partRow('products δ·Wᵀ, layers 2–3 (backward)', parts.products.backward),
      [`update: SGD momentum over ${parts.parameters.toLocaleString('en-US')} parameters (16 B each, scaled from a 20 B pass)`, num(parts.updateUs), '', '', ''],
      ['the sum: a step at the speed its parts run alone', num(parts.totalUs), gflops(parts.flops, parts.totalUs), num(parts.batch * 1e6 / parts.totalUs), ratio(divide(parts.batch * 1e6 / parts.totalUs, b64?.tfjsWasm))],
      ['the 100× target: TF.js wasm\'s step ÷ 100', num(targetUs), '', num((b64?.tfjsWasm ?? Number.NaN) * 100), '100×'],
    ],
    notes: [
      'each part timed alone (benchmark.js median, bench/batch-64-parts.ts) with the kernel and threads training uses: the products through `_sgemm` (beta = 0, without the bias, activation and update the step fuses into them), the update through `_optimizerUpdate`, scaled by 16/20 as in the batch-1 table; GFLOP/s counts the products\' 2·m·n·k',
      stepUs(b64?.native) >= parts.totalUs
        ? `the measured step minus the sum: ${num(stepUs(b64?.native) - parts.totalUs)} µs, for what the step does besides these parts (bias and activation epilogues, the loss, gathering the batch) and for its operands' trips between cache and memory, which a part timed alone, called again and again on the same arrays, partly skips`
        : `in this run the step (${num(stepUs(b64?.native))} µs) came out below the sum of its parts (${num(parts.totalUs)} µs): the parts, timed on their own later in the run, ran slower than the step did (on a shared machine, speed changes for seconds at a time)`,
      targetUs > parts.updateUs
        ? `for a step to fit the target's ${num(targetUs)} µs with the update as it is, the products would have to average ${num(neededGflops)} GFLOP/s, ${ratio(neededGflops / (parts.flops / parts.productsUs / 1e3))} their speed in this run${parts.peakGflops === undefined ? '' : ` and ${percent(neededGflops / parts.peakGflops)} of the kernel's FMA peak on ${n} threads (${num(parts.peakGflops)} GFLOP/s, probed right after the parts)`}`
        : `the update alone (${num(parts.updateUs)} µs) takes longer than the target's whole step (${num(targetUs)} µs)`,
    ],
  };
  const x = (v: number) => `${v.toFixed(2)}×`;
  const targets = [
    summarise(`MLP ≥ 1.2× PyTorch, every batch (${n} threads)`, rows.map((r) => ({ label: `batch ${r.batch}`, value: divide(r.native, r.torch) })), (v) => v >= 1.2, x, 'lower'),
    summarise('MLP ≥ 1.5× PyTorch at batch 64', [{ label: 'batch 64', value: divide(at(64)?.native, at(64)?.torch) }], (v) => v >= 1.5, x, 'lower'),
    summarise('MLP ≥ 5× PyTorch at batch 1', [{ label: 'batch 1', value: divide(at(1)?.native, at(1)?.torch) }], (v) => v >= 5, x, 'lower'),
    summarise('MLP ≥ 100× TF.js wasm at batch 64', [{ label: 'batch 64', value: divide(at(64)?.native, at(64)?.tfjsWasm) }], (v) => v >= 100, x, 'lower'),
  ];
  return { tables: [throughputTable, ratioTable, floorTable, partsTable], targets, data: { threads: n, samplesPerSecond: rows, batchOneFloor: floor, batch64Parts: parts } };
}
