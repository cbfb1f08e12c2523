// SPDX-License-Identifier: MIT
/**
 * `npm run bench [-- options]`: runs the benchmark sections one after the other (never in
 * parallel: the machine has two cores) and prints their tables together at the end. Progress
 * goes to stderr. It measures the build (dist/ and build/Release), which `npm run bench` makes
 * first, so the figures are those of what users run. Not part of the test suite.
 *
 *   --quick            short budgets, for a smoke run (figures are rough)
 *   --only LIST        some of gemm, mlp, xor, rss (repeat it or separate with commas)
 *   --threads N        the multi-threaded configuration's thread count (default: fastprop's,
 *                      i.e. FASTPROP_THREADS or the core count); 1 thread is always measured too
 *   --json FILE        also write the raw numbers as JSON
 *   --write-results    rewrite bench/RESULTS.md with this run's tables and machine
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { backendInfo } from '../dist/index.js';
import type { BenchContext, SectionResult } from './context.ts';
import { gemmSection } from './gemm.bench.ts';
import { describeMachine, machine } from './machine.ts';
import { mlpSection } from './mlp.bench.ts';
import { writeResults } from './results.ts';
import { rssSection } from './rss.ts';
import { renderTable } from './table.ts';
import { targetsTable } from './targets.ts';
import { xorSection } from './xor.bench.ts';

const SECTIONS = { gemm: gemmSection, mlp: mlpSection, xor: xorSection, rss: rssSection } as const;
type SectionName = keyof typeof SECTIONS;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    threads: { type: 'string' },
    json: { type: 'string' },
    'write-results': { type: 'boolean', default: false },
  },
  strict: true,
});

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const only = (values.only ?? Object.keys(SECTIONS)).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
for (const name of only) if (!(name in SECTIONS)) fail(`unknown section '${name}' for --only (expected ${Object.keys(SECTIONS).join(', ')})`);
const info = backendInfo();
if (!info.native) fail(`the native addon did not load, so there is nothing to benchmark: ${info.error ?? ''}`);
const threads = values.threads === undefined ? info.threads ?? os.availableParallelism() : Number(values.threads);
if (!Number.isInteger(threads) || threads < 1) fail(`--threads expects a positive integer, got ${values.threads}`);

const quick = values.quick;
const ctx: BenchContext = {
  threads,
  quick,
  micro: quick ? { maxTime: 0.1, minSamples: 3 } : { maxTime: 1, minSamples: 7 },
  train: quick ? { seconds: 0.25, samples: 3 } : { seconds: 1.5, samples: 5 },
  torchSeconds: quick ? 0.1 : 0.3,
  log: (message) => process.stderr.write(`[bench] ${message}\n`),
};

const started = machine();
ctx.log(`${started.cpu}, ${started.cores} cores, node ${started.node}; fastprop kernels ${info.kernels.join(', ')} (default ${info.kernel}); threads 1 and ${threads}${quick ? '; --quick' : ''}`);
const results: Partial<Record<SectionName, SectionResult>> = {};
for (const name of Object.keys(SECTIONS) as SectionName[]) {
  if (!only.includes(name)) continue;
  const t0 = performance.now();
  results[name] = await SECTIONS[name](ctx);
  ctx.log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const header = [
  `## fastprop benchmarks${quick ? ' (--quick: rough figures)' : ''}`,
  '',
  ...describeMachine(started, os.loadavg()[0] ?? 0),
  `- fastprop native kernels: ${info.kernels.join(', ')} (default ${info.kernel}); threads: 1 and ${threads}`,
].join('\n');
const sections = Object.values(results);
const tables = [...sections.flatMap((r) => r.tables), targetsTable(sections.flatMap((r) => r.targets))].map(renderTable);
const report = [header, ...tables].join('\n\n');
process.stdout.write(`${report}\n`);

if (values.json !== undefined) {
  mkdirSync(dirname(values.json), { recursive: true });  // bench/out/ is not in a fresh clone
  writeFileSync(values.json, `${JSON.stringify({ machine: started, threads, quick, kernels: info.kernels, results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { ...(v.data as object), targets: v.targets }])) }, null, 2)}\n`);
  ctx.log(`raw numbers written to ${values.json}`);
}
if (values['write-results']) {
  const path = writeResults(report, process.argv.slice(2));
  ctx.log(`${path} rewritten`);
}
