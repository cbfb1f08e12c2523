// SPDX-License-Identifier: MIT
/**
 * Peak resident memory of a training run: the MLP 784-512-256-10 at batch 64 over a 1024-row
 * dataset for a few seconds, each system in its own fresh process, which reports its own peak,
 * VmHWM from /proc/self/status (bench/rss-child.js; bench/torch_mlp.py --rss-seconds). Not
 * maxRSS / getrusage: Linux carries the parent's peak into a child's ru_maxrss across fork and
 * exec, so children of this large process would report its figure. A bare `node` is listed for
 * scale.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext, SectionResult } from './context.ts';
import { divide, num, ratio, verdict, type Table } from './table.ts';
import { summarise } from './targets.ts';
import { runTorch } from './torch.ts';

const CHILD = fileURLToPath(new URL('./rss-child.js', import.meta.url));

function node(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

const MB = 1024 * 1024;

export async function rssSection(ctx: BenchContext): Promise<SectionResult> {
  const seconds = ctx.quick ? 1 : 4;
  ctx.log(`rss: ${seconds} s training runs`);
  const bare = JSON.parse(await node([CHILD, 'bare'])) as { peakRssBytes: number };
  const fastprop = JSON.parse(await node([CHILD, String(ctx.threads), String(seconds)])) as { peakRssBytes: number; samplesPerSecond: number };
  const torch = await runTorch(ctx.threads, ['--rss-seconds', String(seconds)]);
  const torchBytes = 'ok' in torch ? torch.ok.rss?.peak_rss_bytes : undefined;
  const vsTorch = divide(fastprop.peakRssBytes, torchBytes);
  const table: Table = {
    title: 'Peak RSS of a training run (MLP, batch 64, MB; lower is better)',
    headers: ['system', 'peak RSS (MB)', 'samples/s meanwhile', '÷ PyTorch', 'target'],
    rows: [
      [`fastprop native ×${ctx.threads}`, num(fastprop.peakRssBytes / MB), num(fastprop.samplesPerSecond), ratio(vsTorch), verdict(vsTorch, '≤ 0.5×', (v) => v <= 0.5)],
      [`PyTorch ×${ctx.threads}`, 'ok' in torch ? num((torchBytes ?? Number.NaN) / MB) : torch.missing, 'ok' in torch ? num(torch.ok.rss?.samples_per_s) : '', '', ''],
      ['bare node process (for scale)', num(bare.peakRssBytes / MB), '', '', ''],
    ],
    notes: [`each in a fresh process training for ${seconds} s; peak = VmHWM of that process; fastprop runs the built package (dist/) from plain JS; PyTorch: the lower of its two threading layouts`],
  };
  const targets = [summarise('peak RSS ≤ half of PyTorch\'s', [{ label: 'MLP batch 64', value: vsTorch }], (v) => v <= 0.5, (v) => `${v.toFixed(2)}×`, 'higher')];
  return { tables: [table], targets, data: { fastpropBytes: fastprop.peakRssBytes, torchBytes: torchBytes ?? null, bareNodeBytes: bare.peakRssBytes } };
}
