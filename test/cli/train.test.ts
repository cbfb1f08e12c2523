// SPDX-License-Identifier: MIT
// `fastprop train` end to end: CSV, IDX (plain and gzip) and the default MNIST digits; the model,
// run file, SVG chart and HTML report it writes; --json and --quiet output.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';
import { fastprop, irisLikeCsv, quadrantIdx, regressionCsv } from './run.ts';

const tmp = tempDir('fastprop-cli-train-');
const iris = tmp.write('iris.csv', irisLikeCsv());
const regression = tmp.write('reg.csv', regressionCsv());

describe('fastprop train', () => {
  it('trains on a CSV of class names and writes the model, run file, SVG chart and HTML report beside each other', async () => {
    const out = tmp.path('iris.fprop');
    const r = fastprop(['train', '--csv', iris, '--label', 'species', '--categorical', '--layers', '16', '--epochs', '40', '--lr', '0.01', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^data {5}150 rows of .*iris\.csv: 120 to train, 30 to validate$/m);
    expect(r.stdout).toMatch(/^network {2}4-16-3 \(relu, softmax output\), 131 parameters, loss sparseCategoricalCrossEntropy$/m);
    expect(r.stdout).toMatch(/^epoch 40\/40 {2}loss [\d.]+ {2}acc [\d.]+% {2}val loss [\d.]+ {2}val acc [\d.]+%/m);
    expect(r.stdout).toMatch(/^Loss per epoch \(1 → 40\)/m);
    expect(r.stdout).toMatch(/^Accuracy per epoch \(1 → 40\)/m);
    for (const file of ['iris.fprop', 'iris.run.json', 'iris.svg', 'iris.html']) expect(existsSync(tmp.path(file)), file).toBe(true);

    const run = JSON.parse(readFileSync(tmp.path('iris.run.json'), 'utf8'));
    expect(run.outputClasses).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(run.history.loss).toHaveLength(40);
    expect(run.history.valAccuracy).toHaveLength(40);
    expect(run.final.valAccuracy).toBeGreaterThan(0.8);
    expect(run.settings).toMatchObject({ inputSize: 4, hidden: [16], outputs: 3, optimizer: 'adam', learningRate: 0.01, batchSize: 64, epochs: 40 });

    const svg = readFileSync(tmp.path('iris.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<polyline class="curve"/g)).toHaveLength(4); // loss and accuracy, train and validation
    const html = readFileSync(tmp.path('iris.html'), 'utf8');
    expect(html).toContain('<svg xmlns');
    expect(html).toContain('sparseCategoricalCrossEntropy');
    expect(html).not.toMatch(/<(script|link)\b/); // self-contained

    const model = await Sequential.load(out, { backend: 'reference' });
    expect(model.epoch).toBe(40);
    model.dispose();
  });

  it('--json prints exactly one parseable object per epoch on stdout, nothing else', () => {
    const r = fastprop(['train', '--csv', regression, '--label', 'y', '--layers', '8', '--epochs', '5', '--json', '--out', tmp.path('reg.fprop')]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    lines.forEach((line, i) => {
      const record = JSON.parse(line);
      expect(record).toMatchObject({ epoch: i + 1, epochs: 5 });
      for (const key of ['loss', 'mae', 'valLoss', 'valMae', 'learningRate', 'seconds', 'samplesPerSecond']) expect(typeof record[key], key).toBe('number');
    });
    expect(r.stderr).toMatch(/saved/); // the human summary goes to stderr in --json mode
  });

  it('--quiet prints nothing, and --normalize stores the normalisation in the model', async () => {
    const out = tmp.path('quiet.fprop');
    const r = fastprop(['train', '--csv', regression, '--label', 'y', '--layers', '8', '--epochs', '3', '--quiet', '--normalize', 'standardize', '--out', out]);
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const model = await Sequential.load(out, { backend: 'reference' });
    expect(model.normalization?.method).toBe('standardize');
    model.dispose();
  });

  it('trains on IDX files, plain and gzip-compressed, scaling uint8 pixels by 1/255', () => {
    for (const gzip of [false, true]) {
      const { images, labels } = quadrantIdx(200, gzip);
      const suffix = gzip ? '.gz' : '';
      const r = fastprop([
        'train', '--idx', tmp.write(`images${suffix}`, images), tmp.write(`labels${suffix}`, labels),
        '--layers', '8', '--epochs', '30', '--lr', '0.01', '--json', '--out', tmp.path(`idx${gzip ? '-gz' : ''}.fprop`),
      ]);
      expect(r.status, r.stderr).toBe(0);
      const last = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!);
      expect(last.valAccuracy).toBeGreaterThan(0.9);
      const run = JSON.parse(readFileSync(tmp.path(`idx${gzip ? '-gz' : ''}.run.json`), 'utf8'));
      expect(run.data.scale).toBeCloseTo(1 / 255, 12);
      expect(run.outputClasses).toEqual(['0', '1', '2', '3']);
    }
  });

  it('trains the MNIST network on the mnist package digits by default', () => {
    // The default network is 784-512-256-10; a narrower one keeps the test short.
    const r = fastprop(['train', '--epochs', '1', '--layers', '32', '--json'], { cwd: tmp.dir });
    expect(r.status, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout);
    expect(record.valAccuracy).toBeGreaterThan(0.8);
    expect(r.stderr).toMatch(/10,000 MNIST digits of the mnist package: 8,000 to train, 2,000 to validate/);
    expect(existsSync(tmp.path('model.fprop'))).toBe(true); // the default --out, in the current directory
  });
});
