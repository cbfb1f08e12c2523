// SPDX-License-Identifier: MIT
// Every script in examples/ runs (on the build in dist/, as `npm test` makes it), with short
// settings where the default run would be long, and prints what it promises.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const FASHION = process.env['FASHION_MNIST_DIR'] ?? '/usr/share/datasets/fashion-mnist';

function run(script: string, args: string[] = []): string {
  const r = spawnSync(process.execPath, [EXAMPLES + script, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, FASTPROP_THREADS: '2' } });
  expect(r.status, `${script}: ${r.stderr}`).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** The scripts the cases below cover: a new example without a test fails here. */
const COVERED = ['one-neuron.js', 'xor.js', 'softmax-regression.js', 'mnist.js', 'csv-regression.js', 'fashion-mnist.js'];

describe('examples/', () => {
  it('every example has a test here', () => {
    expect(readdirSync(EXAMPLES).filter((f) => f.endsWith('.js')).sort()).toEqual([...COVERED].sort());
  });

  it('one-neuron.js: gradients and training by hand match fastprop', () => {
    const out = run('one-neuron.js', ['--steps', '200']);
    const [handGrad, libGrad] = [...out.matchAll(/^ {2}(?:by hand|fastprop): +(loss .*)$/gm)].map((m) => m[1]);
    expect(handGrad).toBe(libGrad);
    expect(out).toMatch(/^after 200 steps$/m);
    const weights = [...out.matchAll(/^ {2}(?:by hand|fastprop): +w \[(.*)\] +b (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(weights).toHaveLength(2);
    expect(weights[0]).toBe(weights[1]);
  });

  it('xor.js learns XOR', () => {
    expect(run('xor.js')).toMatch(/^accuracy 100%$/m);
  });

  it('softmax-regression.js reaches ~90% on held-out digits', () => {
    const out = run('softmax-regression.js', ['--epochs', '3']);
    const accuracy = Number(/^softmax regression: ([\d.]+)% of 2000 held-out digits$/m.exec(out)![1]);
    expect(accuracy).toBeGreaterThan(85);
  });

  it('mnist.js (the main job) trains and reports test accuracy', () => {
    const out = run('mnist.js', ['--epochs', '2']);
    expect(out).toMatch(/^epoch {3}2\/2 /m);
    expect(Number(/^final test accuracy ([\d.]+)%/m.exec(out)![1])).toBeGreaterThan(80);
  });

  it('csv-regression.js writes its CSV, trains and reports the held-out error', () => {
    const out = run('csv-regression.js', ['--epochs', '100']);
    expect(Number(/^mean absolute error on held-out houses: ([\d.]+) k€/m.exec(out)![1])).toBeLessThan(20);
  });

  // Fashion-MNIST comes from Debian's dataset-fashion-mnist package, which .ci/run installs: in
  // CI a missing dataset fails the test rather than skipping it.
  const haveFashion = existsSync(`${FASHION}/train-images-idx3-ubyte.gz`);
  it.skipIf(!haveFashion && !process.env['CI'])('fashion-mnist.js trains on the IDX files (quick: 1 epoch on 5,000 images)', () => {
    expect(haveFashion, `Fashion-MNIST is not in ${FASHION}: apt-get install dataset-fashion-mnist`).toBe(true);
    const out = run('fashion-mnist.js', ['--epochs', '1', '--limit', '5000']);
    expect(out).toMatch(/^Fashion-MNIST: 5000 training and 10000 test images$/m);
    expect(Number(/^test accuracy ([\d.]+)%$/m.exec(out)![1])).toBeGreaterThan(65);
    expect(out).toMatch(/Ankle boot \d+%/);
  });
});
