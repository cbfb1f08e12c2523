// SPDX-License-Identifier: MIT
// `fastprop evaluate`, `predict`, `info`, `bench` and every subcommand's --help, on models the
// tests train first.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import { fastprop, irisLikeCsv, regressionCsv } from './run.ts';

const tmp = tempDir('fastprop-cli-commands-');
const iris = tmp.write('iris.csv', irisLikeCsv());
const regression = tmp.write('reg.csv', regressionCsv());
const irisModel = tmp.path('iris.fprop');
const regModel = tmp.path('reg.fprop');

beforeAll(() => {
  const a = fastprop(['train', '--csv', iris, '--label', 'species', '--categorical', '--layers', '16', '--epochs', '60', '--lr', '0.01', '--quiet', '--out', irisModel]);
  const b = fastprop(['train', '--csv', regression, '--label', 'y', '--layers', '16', '--epochs', '150', '--lr', '0.01', '--quiet', '--out', regModel]);
  expect([a.status, b.status], a.stderr + b.stderr).toEqual([0, 0]);
});

describe('fastprop evaluate', () => {
  it('reads a CSV as training read it (label and classes from the run file) and prints loss and accuracy', () => {
    const r = fastprop(['evaluate', irisModel, '--csv', iris]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^loss [\d.]+ {2}accuracy (9\d|100)\.\d\d% {2}\(150 rows of .*iris\.csv\)\n$/);
  });

  it('prints one JSON object with --json, with mae for regression', () => {
    const r = fastprop(['evaluate', regModel, '--csv', regression, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ rows: 200 });
    expect(result.mae).toBeLessThan(0.3);
  });
});

describe('fastprop predict', () => {
  it('writes CSV with the predicted class and each class probability (the label column is dropped)', () => {
    const r = fastprop(['predict', irisModel, iris]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('prediction,setosa,versicolor,virginica');
    expect(lines).toHaveLength(151);
    const correct = lines.slice(1).filter((line, i) => line.split(',')[0] === ['setosa', 'versicolor', 'virginica'][i % 3]).length;
    expect(correct).toBeGreaterThan(130);
    for (const line of lines.slice(1)) {
      const sum = line.split(',').slice(1).map(Number).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 4);
    }
  });

  it('reads JSON from stdin and writes JSON; reads JSON Lines and writes JSON Lines to --out', () => {
    const r = fastprop(['predict', regModel, '-', '--input-format', 'json', '--format', 'json'], { input: '[[0.5, -0.5], {"x": [0, 0]}]' });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(2);
    expect(rows[0].y).toBeCloseTo(3 * 0.5 + 2 * 0.5 + 0.5, 0);
    expect(rows[1].y).toBeCloseTo(0.5, 0);

    const input = tmp.write('rows.jsonl', '[1, 1]\n\n{"x": [-1, 0.5]}\n');
    const out = tmp.path('predictions.jsonl');
    const s = fastprop(['predict', regModel, input, '--out', out]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toBe('');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].y).toBeCloseTo(1.5, 0);
  });
});

describe('fastprop info', () => {
  it("prints the architecture, parameter count, optimizer and format version", () => {
    const r = fastprop(['info', irisModel]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/fastprop model file, format version 1, [\d.]+ KiB \(checksum verified\)/);
    expect(r.stdout).toMatch(/^ {2}input +4$/m);
    expect(r.stdout).toMatch(/^ {2}dense +16 {2}relu +80 parameters$/m);
    expect(r.stdout).toMatch(/^ {2}dense +3 {2}softmax +51 parameters$/m);
    expect(r.stdout).toMatch(/^ {2}total +131 parameters$/m);
    expect(r.stdout).toMatch(/^optimizer +adam \(learningRate 0\.01, beta1 0\.9, beta2 0\.999, epsilon 1e-8\); state saved \(2 buffers\)/m);
    expect(r.stdout).toMatch(/^trained +60 epochs, 120 steps; seed 1$/m);
    expect(r.stdout).toMatch(/^classes +setosa, versicolor, virginica$/m);
  });

  it('--json', () => {
    const r = fastprop(['info', regModel, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ formatVersion: 1, inputSize: 2, parameters: 3 * 16 + 17, loss: 'meanSquaredError', optimizer: { kind: 'adam', stateSaved: true } });
  });
});

describe('fastprop bench', () => {
  it('measures GEMM GFLOP/s and MLP samples/s, and points to npm run bench', () => {
    const r = fastprop(['bench', '--seconds', '0.2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.gemm.map((g: { size: number }) => g.size)).toEqual([128, 256, 512, 1024]);
    for (const g of result.gemm) expect(g.gflops).toBeGreaterThan(0);
    expect(result.mlp.samplesPerSecond).toBeGreaterThan(0);
    expect(fastprop(['bench', '--help']).stdout).toMatch(/npm run bench/);
  });
});

describe('--help', () => {
  it.each([
    [[], /Usage: fastprop \[options\] \[command\][\s\S]*train[\s\S]*evaluate[\s\S]*predict[\s\S]*info[\s\S]*bench/],
    [['train'], /Usage: fastprop train \[options\][\s\S]*--csv <file>[\s\S]*--idx <files\.\.\.>[\s\S]*--layers <units>[\s\S]*--optimizer <name>[\s\S]*--json/],
    [['evaluate'], /Usage: fastprop evaluate \[options\] <model>/],
    [['predict'], /Usage: fastprop predict \[options\] <model> <input>/],
    [['info'], /Usage: fastprop info \[options\] <model>/],
    [['bench'], /Usage: fastprop bench \[options\]/],
  ])('fastprop %j --help', (command, expected) => {
    const r = fastprop([...command, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(expected);
    expect(r.stderr).toBe('');
  });
});
