// SPDX-License-Identifier: MIT
// Child process of bench/rss.ts: trains the MLP 784-512-256-10 at batch 64 for a few seconds
// and prints its own peak RSS as JSON. Plain JavaScript on the built package (dist/), so the
// figure is what a user's process costs, without the TypeScript loader the bench runs under.
// Usage: node bench/rss-child.js THREADS SECONDS   (or `bare`: node alone, for scale)
import { readFileSync } from 'node:fs';

/**
 * VmHWM from /proc/self/status, this process's own peak. Not process.resourceUsage().maxRSS:
 * Linux carries the parent's peak over into it across fork and exec, so a child of the (large)
 * bench process would report the bench's figure.
 */
function peakRssBytes() {
  try {
    const kb = /^VmHWM:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024; // kilobytes; only an upper bound, see above
}

if (process.argv[2] === 'bare') {
  console.log(JSON.stringify({ peakRssBytes: peakRssBytes() }));
} else {
  const [threads, seconds] = process.argv.slice(2).map(Number);
  const { SGD, Sequential } = await import('../dist/index.js');
  const rows = 1024, features = 784, classes = 10;
  // The same kind of data as bench/data.ts (uniform inputs, random labels); values don't matter.
  let s = 1;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const x = new Float32Array(rows * features).map(next);
  const labels = Int32Array.from({ length: rows }, () => Math.floor(next() * classes));
  const model = new Sequential({
    inputSize: features,
    layers: [{ units: 512, activation: 'relu' }, { units: 256, activation: 'relu' }, { units: classes, activation: 'softmax' }],
    loss: 'sparseCategoricalCrossEntropy',
    optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }),
    seed: 1,
    backend: 'native',
    threads,
  });
  let samples = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await model.fit({ data: x, shape: [rows, features] }, labels, { epochs: 2, batchSize: 64 });
    samples += 2 * rows;
  }
  const elapsed = (performance.now() - started) / 1000;
  model.dispose();
  console.log(JSON.stringify({ peakRssBytes: peakRssBytes(), samplesPerSecond: samples / elapsed }));
}
