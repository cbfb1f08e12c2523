// SPDX-License-Identifier: MIT
// Ctrl-C during `fastprop train`: training stops through fit's AbortSignal, the model (weights of
// the last completed batch, full training state) is saved, the chart of the completed epochs is
// written, and the process exits 130.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';
import { irisLikeCsv, startFastprop } from './run.ts';

const tmp = tempDir('fastprop-cli-sigint-');

describe('Ctrl-C (SIGINT) during train', () => {
  it('saves the model and exits 130', async () => {
    const data = tmp.write('big.csv', irisLikeCsv(3000));
    const out = tmp.path('interrupted.fprop');
    // Far more epochs than the test waits for; --json tells it when epochs complete.
    const child = startFastprop(['train', '--csv', data, '--label', 'species', '--categorical', '--layers', '256,256', '--epochs', '100000', '--json', '--out', out], tmp.dir);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.split('\n').length > 3) resolve(); // at least three epochs done
      });
      child.on('exit', () => reject(new Error(`train exited early: ${stderr}`)));
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/^fastprop: interrupted by Ctrl-C after \d+ complete epochs?; saved the model \(epoch \d+, step \d+\) to .*interrupted\.fprop$/m);
    const epochs = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { epoch: number });
    expect(epochs.length).toBeGreaterThanOrEqual(3);

    const model = await Sequential.load(out, { backend: 'reference' });
    expect(model.epoch).toBe(epochs.length);
    expect(model.step).toBeGreaterThanOrEqual(epochs.length * Math.ceil(2400 / 64)); // plus the batches of the interrupted epoch
    model.dispose();
    const run = JSON.parse(readFileSync(tmp.path('interrupted.run.json'), 'utf8'));
    expect(run.stopped).toMatch(/interrupted by Ctrl-C/);
    expect(run.history.loss).toHaveLength(epochs.length);
    expect(existsSync(tmp.path('interrupted.svg'))).toBe(true);
  });
});
