// SPDX-License-Identifier: MIT
/**
 * XOR 2-4-1 (sigmoid, binary cross-entropy, full batch of 4, 10,000 SGD steps at lr 0.5): wall
 * time of one `fit` call with epochs 10000, batchSize 4, shuffle false, against a plain JS loop
 * doing the same steps. Here per-call overhead, not arithmetic, decides. One operation of each
 * benchmark.js case is the whole 10,000-step run, on a model that keeps training run after run.
 */
import { SGD, Sequential } from '../dist/index.js';
import type { BenchContext, SectionResult } from './context.ts';
import { median, runSuite, type MicroCase } from './stats.ts';
import { divide, num, ratio, verdict, type Table } from './table.ts';
import { summarise } from './targets.ts';
import { XorLoop } from './xor-loop.ts';

const STEPS = 10_000;
const LEARNING_RATE = 0.5;
const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const Y = [[0], [1], [1], [0]];

function xorModel(backend: 'native' | 'reference', threads?: number): Sequential {
  return new Sequential({
    inputSize: 2,
    layers: [{ units: 4, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
    loss: 'binaryCrossEntropy',
    optimizer: new SGD({ learningRate: LEARNING_RATE }),
    seed: 3,
    backend,
    ...(threads === undefined ? {} : { threads }),
  });
}

export async function xorSection(ctx: BenchContext): Promise<SectionResult> {
  const n = ctx.threads;
  const systems = [
    { name: `fastprop native ×${n}`, model: xorModel('native', n) },
    ...(n === 1 ? [] : [{ name: 'fastprop native ×1', model: xorModel('native', 1) }]),
    { name: 'fastprop reference', model: xorModel('reference') },
  ];
  const loop = new XorLoop(3);
  let loopLoss = Number.NaN;
  const cases: MicroCase[] = [
    ...systems.map(({ name, model }) => ({ name, async: () => model.fit(X, Y, { epochs: STEPS, batchSize: 4, shuffle: false }) })),
    { name: 'plain JS loop', fn: () => { loopLoss = loop.train(STEPS, LEARNING_RATE); } },
  ];
  ctx.log('xor: 10,000 steps per run');
  // A longer budget than the GEMMs': a run lasts milliseconds, and more samples steady the median.
  // Rounds, each running every case in turn (rotated): the machine's load drifts over seconds,
  // and one long Suite per case would let the drift, not the code, decide the ratio.
  const rounds = ctx.quick ? 1 : 5;
  const perRound = { maxTime: (ctx.micro.maxTime * 3) / rounds, minSamples: Math.max(3, Math.ceil(ctx.micro.minSamples / rounds)) };
  const all = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length]!);
    for (const [name, s] of await runSuite(order, perRound)) all.get(name)!.push(...s);
  }
  const seconds = new Map([...all].map(([name, s]) => [name, median(s)]));
  const loopMs = seconds.get('plain JS loop')! * 1e3;
  const finalLoss = new Map(systems.map(({ name, model }) => [name, model.evaluate(X, Y).loss]));
  finalLoss.set('plain JS loop', loopLoss);
  for (const { model } of systems) model.dispose();

  const rows = cases.map((c) => {
    const ms = seconds.get(c.name)! * 1e3;
    const vsLoop = divide(ms, loopMs);
    const isNative = c.name.startsWith('fastprop native');
    return [c.name, num(ms), (finalLoss.get(c.name) ?? Number.NaN).toExponential(1), c.name === 'plain JS loop' ? '1.00×' : ratio(vsLoop), isNative ? verdict(vsLoop, '≤ 1.0×', (v) => v <= 1) : ''];
  });
  const table: Table = {
    title: 'XOR 2-4-1, 10,000 full-batch SGD steps: wall time (ms, lower is better)',
    headers: ['system', 'ms per run', 'loss after', 'time ÷ JS loop', 'target'],
    rows,
    notes: [`median of benchmark.js samples over ${rounds} round(s), each running every system in turn; one sample = one 10,000-step run (fastprop: one \`fit\` call, epochs 10000, batchSize 4, shuffle false)`, '"loss after": mean loss on the 4 rows after all runs: every system really learnt XOR'],
  };
  const targets = [
    summarise('XOR: fastprop native no slower than the plain JS loop', systems.filter((s) => s.name.startsWith('fastprop native')).map((s) => ({ label: s.name, value: divide(seconds.get(s.name)! * 1e3, loopMs) })), (v) => v <= 1, (v) => `${v.toFixed(2)}× its time`, 'higher'),
  ];
  return { tables: [table], targets, data: Object.fromEntries(cases.map((c) => [c.name, { ms: seconds.get(c.name)! * 1e3, lossAfter: finalLoss.get(c.name) }])) };
}
