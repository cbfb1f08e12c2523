// SPDX-License-Identifier: MIT
// Saves are atomic: a process SIGKILLed in the middle of saving a large model leaves a file that
// loads and equals one complete version; an unwritable directory gives a clear error and leaves
// the previous file intact. (A full disk: full-disk.test.ts.)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic-write.ts';
import { Sequential } from '../../src/model.ts';
import { Random } from '../../src/random.ts';
import { tempDir } from '../helpers/files.ts';
import { versionWeights } from '../helpers/save-loop.ts';

const files = tempDir('fastprop-atomic-');
const tsx = ['--import', 'tsx'];

/** Which complete version the file holds; fails the test if it is not exactly one. */
async function versionIn(path: string): Promise<number> {
  const model = await Sequential.load(path, { backend: 'reference' });
  const weights = model.getWeights();
  const k = weights[0]!.kernel[0]!;
  const expected = versionWeights(k);
  weights.forEach((w, l) => {
    expect(Buffer.from(w.kernel.buffer).equals(Buffer.from(expected[l]!.kernel.buffer))).toBe(true);
    expect(Buffer.from(w.bias.buffer).equals(Buffer.from(expected[l]!.bias.buffer))).toBe(true);
  });
  model.dispose();
  return k;
}

/** True when some file in `dir` is larger than 0 and smaller than a complete save: a write is under way. */
function partialWriteSeen(dir: string, fullSize: number): boolean {
  for (const name of readdirSync(dir)) {
    try {
      const size = statSync(join(dir, name)).size;
      if (size > 0 && size < fullSize) return true;
    } catch {
      // renamed or removed between readdir and stat
    }
  }
  return false;
}

describe('atomic saves', () => {
  it('a process killed at random moments while saving a 784-2048-2048-10 model always leaves a complete version', async () => {
    const path = files.path('big.fprop');
    const random = new Random(20260523);
    let next = 0;
    let lastSaved = -1; // the last version whose save completed, in any child
    let midSave = 0;
    let saveMs = 0;
    let fullSize = 0;
    for (let kill = 0; kill < 6; kill++) {
      const child = spawn(process.execPath, [...tsx, 'test/helpers/save-loop.ts', path, String(next)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      let saving = -1;
      let savingSince = 0;
      let killed = false;
      for await (const line of createInterface({ input: child.stdout! })) {
        const [what, k] = line.split(' ');
        if (what === 'saving') {
          saving = Number(k);
          savingSince = performance.now();
          // Once one complete save has measured a save, kill: on even rounds as soon as a file in
          // the directory is seen half-written (the bytes are going out), on odd rounds at a
          // random point of the save (hashing, writing, fsync, rename).
          if (saveMs > 0 && !killed) {
            killed = true;
            if (kill % 2 === 0) {
              const poll = setInterval(() => {
                if (!partialWriteSeen(files.dir, fullSize)) return;
                clearInterval(poll);
                child.kill('SIGKILL');
              }, 1);
              child.once('exit', () => clearInterval(poll));
            } else {
              setTimeout(() => child.kill('SIGKILL'), random.uniform(0.05, 1) * saveMs);
            }
          }
        } else if (what === 'saved') {
          lastSaved = Number(k);
          if (saveMs === 0) {
            saveMs = performance.now() - savingSince;
            fullSize = statSync(path).size;
          }
        }
      }
      expect(await exited).toBe('SIGKILL');
      if (saving > lastSaved) midSave++;
      const found = await versionIn(path);
      // The file holds the last version reported saved, or the one in flight if its rename landed.
      expect([lastSaved, saving]).toContain(found);
      lastSaved = found;
      next = saving + 1;
    }
    // Most kills land inside a save (that is the point of the test).
    expect(midSave).toBeGreaterThanOrEqual(3);
    // Killed saves may leave their temporary files; they are never the target.
    expect(readdirSync(files.dir).filter((f) => !f.startsWith('.'))).toEqual(['big.fprop']);
  }, 120_000);

  it('an unwritable directory gives a clear ERR_IO and leaves the previous file intact', async () => {
    const dir = tempDir('fastprop-readonly-');
    const path = dir.path('model.fprop');
    const previous = new Sequential({ inputSize: 2, layers: [{ units: 1 }], loss: 'meanSquaredError', backend: 'reference', seed: 9 });
    await previous.save(path);
    const before = readFileSync(path);
    let outcome: { code?: string; message?: string; saved?: boolean };
    if (process.getuid?.() === 0) {
      // Root ignores permission bits: try as nobody, in a directory nobody may read but not write.
      chmodSync(dir.dir, 0o755);
      const child = spawnSync(process.execPath, [...tsx, 'test/helpers/save-once.ts', path], { uid: 65534, gid: 65534, encoding: 'utf8' });
      expect(child.stderr).toBe('');
      outcome = JSON.parse(child.stdout);
    } else {
      chmodSync(dir.dir, 0o555);
      outcome = await new Sequential({ inputSize: 2, layers: [{ units: 1 }], loss: 'meanSquaredError', backend: 'reference', seed: 3 })
        .save(path).then(() => ({ saved: true }), (e: { code: string; message: string }) => ({ code: e.code, message: e.message }));
      chmodSync(dir.dir, 0o755);
    }
    expect(outcome).toEqual({ code: 'ERR_IO', message: `Cannot save the model to ${path}: permission denied (EACCES)` });
    expect(readFileSync(path).equals(before)).toBe(true);
    expect((await Sequential.load(path)).getWeights()).toEqual(previous.getWeights());
    expect(readdirSync(dir.dir)).toEqual(['model.fprop']);
  });

  it('a symbolic link is followed (the file it names is replaced, the link stays); a named pipe is written in place', async () => {
    const dir = tempDir('fastprop-links-');
    writeFileSync(dir.path('real.csv'), 'previous\n');
    symlinkSync('real.csv', dir.path('link.csv'));
    await writeFileAtomic(dir.path('link.csv'), [Buffer.from('new\n')]);
    expect(lstatSync(dir.path('link.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(dir.path('real.csv'), 'utf8')).toBe('new\n');
    expect(readdirSync(dir.dir).sort()).toEqual(['link.csv', 'real.csv']);
    if (process.platform === 'win32' || spawnSync('mkfifo', [dir.path('pipe')]).status !== 0) return;
    const read = readFile(dir.path('pipe'), 'utf8');
    await writeFileAtomic(dir.path('pipe'), [Buffer.from('through the pipe\n')]);
    expect(await read).toBe('through the pipe\n');
    expect(lstatSync(dir.path('pipe')).isFIFO()).toBe(true);
    expect(readdirSync(dir.dir).sort()).toEqual(['link.csv', 'pipe', 'real.csv']);
  });
});
