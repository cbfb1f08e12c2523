// SPDX-License-Identifier: MIT
// Runs the built CLI (dist/cli/main.js; `npm test` builds it first) as users do, and writes the
// small data files the CLI tests train on.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { idxBytes } from '../helpers/files.ts';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fastprop …args` to completion. */
export function fastprop(args: readonly string[], options: { cwd?: string; input?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, FASTPROP_THREADS: '2', NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `fastprop …args` without waiting (for the Ctrl-C test). */
export function startFastprop(args: readonly string[], cwd: string) {
  return spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, FASTPROP_THREADS: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A seeded generator for the test data (no Math.random: failures must reproduce). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Three separable classes over four features, with a header: a,b,c,d,species. */
export function irisLikeCsv(rows = 150): string {
  const rnd = lcg(7);
  const names = ['setosa', 'versicolor', 'virginica'];
  const lines = ['a,b,c,d,species'];
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    lines.push(`${[k + rnd(), 2 * k + rnd(), rnd(), k * 0.5 + rnd()].map((v) => v.toFixed(3)).join(',')},${names[k]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** y = 3·x1 − 2·x2 + 0.5 over [−1, 1]², with a header: x1,x2,y. */
export function regressionCsv(rows = 200): string {
  const rnd = lcg(11);
  const lines = ['x1,x2,y'];
  for (let i = 0; i < rows; i++) {
    const a = rnd() * 2 - 1;
    const b = rnd() * 2 - 1;
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${(3 * a - 2 * b + 0.5).toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Tiny 4×4 "images" whose class (0–3) is the bright quadrant, as IDX files (uint8). */
export function quadrantIdx(records = 200, gzip = false): { images: Buffer; labels: Buffer } {
  const rnd = lcg(3);
  const pixels = new Uint8Array(records * 16);
  const labels = new Uint8Array(records);
  for (let r = 0; r < records; r++) {
    const k = r % 4;
    labels[r] = k;
    for (let p = 0; p < 16; p++) {
      const quadrant = (Math.floor(p / 8) * 2) + (p % 4 >= 2 ? 1 : 0);
      pixels[r * 16 + p] = Math.floor((quadrant === k ? 180 : 20) + rnd() * 60);
    }
  }
  const images = idxBytes(0x08, [records, 4, 4], pixels);
  const labelFile = idxBytes(0x08, [records], labels);
  return gzip ? { images: gzipSync(images), labels: gzipSync(labelFile) } : { images, labels: labelFile };
}

/** True when the text holds a JavaScript stack frame. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}
