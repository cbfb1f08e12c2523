// SPDX-License-Identifier: MIT
// A full disk while saving: every save path (Sequential.save, exportSafetensors, ModelCheckpoint)
// rejects with a clear ERR_IO naming the file, keeps the previous file byte for byte (still
// loadable) and leaves no temporary file behind.
//  - ENOSPC injected at every file-system call of a save in turn (open, each write, fsync, close,
//    rename, and the directory's open, fsync and close), through a wrapped node:fs/promises.
//  - A real failure: a child process with a file-size limit (RLIMIT_FSIZE, `ulimit -f`; Node
//    ignores SIGXFSZ, so the write that crosses the limit writes what fits, then fails with EFBIG).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type * as fsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FastpropError } from '../../src/errors.ts';
import { exportSafetensors, importSafetensors } from '../../src/io/safetensors.ts';
import { Sequential } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { Random } from '../../src/random.ts';
import { ModelCheckpoint } from '../../src/train/checkpoint.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { tempDir } from '../helpers/files.ts';

/** The calls of the save under way, and the one to fail (1-based; 0: none). */
const faults = vi.hoisted(() => ({ armed: false, calls: [] as string[], failAt: 0, code: 'ENOSPC' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  /** Records a call; returns the error to fail it with when it is the chosen one. */
  const call = (name: string): Error | undefined => {
    if (!faults.armed) return undefined;
    faults.calls.push(name);
    if (faults.calls.length !== faults.failAt) return undefined;
    return Object.assign(new Error(`${faults.code}: injected fault, ${name}`), { code: faults.code, syscall: name.split(' ')[0] });
  };
  const open: typeof actual.open = async (path, flags, mode) => {
    const kind = flags === 'r' ? 'directory' : 'file';
    const error = call(`open ${kind}`);
    if (error) throw error;
    const handle = await actual.open(path, flags, mode);
    const { write, sync, close } = handle;
    // A failed write or fsync did nothing; a failed close still released the descriptor (as close(2) does).
    handle.write = (async (...args: Parameters<typeof write>) => {
      const e = call(`write ${kind}`);
      if (e) throw e;
      return write.apply(handle, args);
    }) as typeof write;
    handle.sync = async () => {
      const e = call(`sync ${kind}`);
      if (e) throw e;
      return sync.call(handle);
    };
    handle.close = async () => {
      const e = call(`close ${kind}`);
      await close.call(handle);
      if (e) throw e;
    };
    return handle;
  };
  const rename: typeof actual.rename = async (from, to) => {
    const error = call('rename');
    if (error) throw error;
    return actual.rename(from, to);
  };
  return { ...actual, default: { ...actual, open, rename }, open, rename };
});

const files = tempDir('fastprop-full-disk-');
const random = new Random(17);
const rows = 16;
const x = shaped(randomMatrix(random, rows, 3), rows, 3);
const y = shaped(randomMatrix(random, rows, 1), rows, 1);
const make = (seed: number) => new Sequential({
  inputSize: 3, layers: [{ units: 5, activation: 'tanh' }, { units: 1 }],
  loss: 'meanSquaredError', optimizer: new Adam({ learningRate: 0.01 }), backend: 'reference', seed,
});

/** Runs `save` with the `failAt`th call failing (0: none); returns the calls made and the outcome. */
async function withFault(failAt: number, save: () => Promise<unknown>, code = 'ENOSPC'): Promise<{ calls: string[]; error: unknown }> {
  Object.assign(faults, { armed: true, calls: [], failAt, code });
  try {
    await save();
    return { calls: faults.calls, error: undefined };
  } catch (error) {
    return { calls: faults.calls, error };
  } finally {
    faults.armed = false;
  }
}

let caseNumber = 0;
/** A fresh directory holding `previous` (name → bytes). */
function directoryWith(previous: Record<string, Buffer>): string {
  const dir = files.path(`case-${caseNumber++}`);
  mkdirSync(dir);
  for (const [name, bytes] of Object.entries(previous)) writeFileSync(join(dir, name), bytes);
  return dir;
}

/** The directory's files (temporary ones included), and their bytes. */
function contents(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}

/** The directory holds exactly these files, byte for byte (Buffer.equals: toEqual is slow on megabytes). */
function expectFiles(dir: string, expected: Record<string, Buffer>): void {
  const found = contents(dir);
  expect(Object.keys(found)).toEqual(Object.keys(expected).sort());
  for (const [name, bytes] of Object.entries(expected)) expect(found[name]!.equals(bytes), name).toBe(true);
}

/** The same weights, bit for bit. */
function expectWeights(model: Sequential, expected: Sequential): void {
  const bytes = (m: Sequential) => Buffer.concat(m.getWeights().flatMap((w) => [Buffer.from(w.kernel.buffer, w.kernel.byteOffset, w.kernel.byteLength), Buffer.from(w.bias.buffer, w.bias.byteOffset, w.bias.byteLength)]));
  expect(bytes(model).equals(bytes(expected))).toBe(true);
}

function expectIoError(error: unknown, message: string): void {
  expect(error).toBeInstanceOf(FastpropError);
  expect(error).toMatchObject({ code: 'ERR_IO', message });
}

const noSpace = 'no space left on the device (ENOSPC)';

/**
 * The outcome a fault at call `n` of `calls` must have: up to the rename that puts the file in
 * place, the previous file stays; after it (syncing the directory) the new one is in place and the
 * error says so; a failed close of the directory (after its fsync) is no failure.
 */
function phase(calls: readonly string[], n: number, renames = 1): 'before' | 'between' | 'synced' | 'replaced' {
  const renameAt = calls.map((c, i) => (c === 'rename' ? i + 1 : 0)).filter((i) => i > 0);
  expect(renameAt).toHaveLength(renames);
  if (n <= renameAt[0]!) return 'before';
  if (n <= renameAt.at(-1)!) return 'between';
  return calls[n - 1] === 'close directory' ? 'synced' : 'replaced';
}

describe('a full disk while saving', () => {
  it('Sequential.save: ENOSPC at each call keeps the previous file and reports it', async () => {
    const previousModel = make(1);
    await previousModel.fit(x, y, { epochs: 2, batchSize: 4 });
    const model = make(2);
    await model.fit(x, y, { epochs: 3, batchSize: 4 });
    const base = directoryWith({});
    await previousModel.save(join(base, 'model.fprop'));
    const previous = readFileSync(join(base, 'model.fprop'));

    const clean = await withFault(0, () => model.save(join(base, 'new.fprop')));
    expect(clean.error).toBeUndefined();
    const next = readFileSync(join(base, 'new.fprop'));
    // open, 7 writes (preamble, header, padding, parameters, 2 Adam slots, checksum), fsync, close, rename, the directory's open, fsync, close
    expect(clean.calls).toEqual(['open file', ...Array(7).fill('write file'), 'sync file', 'close file', 'rename', 'open directory', 'sync directory', 'close directory']);

    for (let n = 1; n <= clean.calls.length; n++) {
      const dir = directoryWith({ 'model.fprop': previous });
      const path = join(dir, 'model.fprop');
      const { error } = await withFault(n, () => model.save(path));
      const when = phase(clean.calls, n);
      if (when === 'before') {
        expectIoError(error, `Cannot save the model to ${path}: ${noSpace}`);
        expectFiles(dir, { 'model.fprop': previous });
        expectWeights(await Sequential.load(path), previousModel);
      } else {
        if (when === 'replaced') expectIoError(error, `${path} was replaced, but syncing the directory ${dir} failed: ${noSpace}; a power failure could still bring back the previous version`);
        else expect(error).toBeUndefined();
        expectFiles(dir, { 'model.fprop': next });
      }
    }
  });

  it('exportSafetensors: ENOSPC at each call keeps both previous files until both new ones are on disk', async () => {
    const previousModel = make(3);
    const model = make(4);
    await model.fit(x, y, { epochs: 2, batchSize: 4 });
    const base = directoryWith({});
    await exportSafetensors(previousModel, join(base, 'model.safetensors'));
    const previous = contents(base);
    expect(Object.keys(previous)).toEqual(['model.json', 'model.safetensors']);

    const cleanDir = directoryWith({});
    const clean = await withFault(0, () => exportSafetensors(model, join(cleanDir, 'model.safetensors')));
    expect(clean.error).toBeUndefined();
    const next = contents(cleanDir);
    // Both files written, synced and closed, then both renamed, then one directory sync.
    expect(clean.calls).toEqual([
      'open file', 'write file', 'write file', 'write file', 'write file', 'write file', 'write file', 'sync file', 'close file',
      'open file', 'write file', 'sync file', 'close file',
      'rename', 'rename', 'open directory', 'sync directory', 'close directory',
    ]);

    for (let n = 1; n <= clean.calls.length; n++) {
      const dir = directoryWith(previous);
      const path = join(dir, 'model.safetensors');
      const json = join(dir, 'model.json');
      const { error } = await withFault(n, () => exportSafetensors(model, path));
      const when = phase(clean.calls, n, 2);
      if (when === 'before') {
        const which = n <= clean.calls.indexOf('close file') + 1 || n === clean.calls.indexOf('rename') + 1
          ? `Cannot export the model to ${path}` : `Cannot export the model architecture to ${json}`;
        expectIoError(error, `${which}: ${noSpace}`);
        expectFiles(dir, previous);
        const loaded = await importSafetensors(path, { loss: 'meanSquaredError' });
        expectWeights(loaded, previousModel);
      } else if (when === 'between') {
        // The second rename failed: the weights are new, the architecture file the previous one
        // (the same architecture here, so the pair still loads, as the new weights).
        expectIoError(error, `Cannot export the model architecture to ${json}: ${noSpace}; ${path} was already replaced`);
        expectFiles(dir, { 'model.json': previous['model.json']!, 'model.safetensors': next['model.safetensors']! });
        expectWeights(await importSafetensors(path, { loss: 'meanSquaredError' }), model);
      } else {
        if (when === 'replaced') expectIoError(error, `${path}, ${json} were replaced, but syncing the directory ${dir} failed: ${noSpace}; a power failure could still bring back the previous version`);
        else expect(error).toBeUndefined();
        expectFiles(dir, next);
      }
    }
  });

  it('ModelCheckpoint: ENOSPC at each call of the save stops fit with ERR_IO and keeps the previous checkpoint', async () => {
    const base = directoryWith({});
    const first = make(5);
    await first.fit(x, y, { epochs: 1, batchSize: 4, callbacks: [new ModelCheckpoint({ path: join(base, 'last.fprop') })] });
    const previous = readFileSync(join(base, 'last.fprop'));
    /** Resume from the checkpoint, fit one more epoch, checkpoint again (as after a restart). */
    const resumeOneEpoch = async (path: string) => {
      const model = await Sequential.load(path, { backend: 'reference' });
      return { model, run: (failAt: number) => withFault(failAt, () => model.fit(x, y, { epochs: 1, batchSize: 4, callbacks: [new ModelCheckpoint({ path })] })) };
    };

    const cleanDir = directoryWith({ 'last.fprop': previous });
    const cleanRun = await resumeOneEpoch(join(cleanDir, 'last.fprop'));
    const clean = await cleanRun.run(0);
    expect(clean.error).toBeUndefined();
    expect(cleanRun.model.epoch).toBe(2);
    const next = readFileSync(join(cleanDir, 'last.fprop'));
    expect(next.equals(previous)).toBe(false);
    expect(clean.calls).toEqual(['open file', ...Array(7).fill('write file'), 'sync file', 'close file', 'rename', 'open directory', 'sync directory', 'close directory']);

    for (let n = 1; n <= clean.calls.length; n++) {
      const dir = directoryWith({ 'last.fprop': previous });
      const path = join(dir, 'last.fprop');
      const { run } = await resumeOneEpoch(path);
      const { error } = await run(n);
      const when = phase(clean.calls, n);
      if (when === 'before') {
        expectIoError(error, `Cannot save the model to ${path}: ${noSpace}`);
        expectFiles(dir, { 'last.fprop': previous });
        const loaded = await Sequential.load(path);
        expect(loaded.epoch).toBe(1);
        expectWeights(loaded, first);
      } else {
        if (when === 'replaced') expectIoError(error, `${path} was replaced, but syncing the directory ${dir} failed: ${noSpace}; a power failure could still bring back the previous version`);
        else expect(error).toBeUndefined();
        expectFiles(dir, { 'last.fprop': next });
      }
    }
  });

  it('a full quota (EDQUOT) and a file too large (EFBIG) are named as such', async () => {
    const model = make(6);
    for (const [code, reason] of [['EDQUOT', 'no space left: the disk quota is used up (EDQUOT)'], ['EFBIG', 'the file is too large (beyond the file-size limit of the process or the file system) (EFBIG)']]) {
      const previous = Buffer.from('previous');
      const dir = directoryWith({ 'model.fprop': previous });
      const path = join(dir, 'model.fprop');
      const { calls, error } = await withFault(2, () => model.save(path), code);
      expect(calls.slice(0, 2)).toEqual(['open file', 'write file']);
      expectIoError(error, `Cannot save the model to ${path}: ${reason}`);
      expectFiles(dir, { 'model.fprop': previous });
    }
  });

  it.skipIf(process.platform === 'win32')('a real file-size limit (ulimit -f) fails every save path with EFBIG and keeps the previous files', async () => {
    // The new files (a 784-256-10 model, 0.8 MB of weights, 2.4 MB with Adam's state) are larger
    // than the child's limit; the previous ones are written here, without a limit.
    const limitKiB = 512;
    const dir = directoryWith({});
    const previousModel = new Sequential({ inputSize: 784, layers: [{ units: 256, activation: 'relu' }, { units: 10 }], loss: 'meanSquaredError', optimizer: new Adam(), backend: 'reference', seed: 1 });
    await previousModel.save(join(dir, 'model.fprop'));
    await previousModel.save(join(dir, 'last.fprop'));
    await exportSafetensors(previousModel, join(dir, 'model.safetensors'));
    const previous = contents(dir);

    const child = spawnSync('bash', ['-c', 'ulimit -f "$1" && exec "$2" --import tsx test/helpers/save-limited.ts "$3"', 'bash', String(limitKiB), process.execPath, dir], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const reason = 'the file is too large (beyond the file-size limit of the process or the file system) (EFBIG)';
    expect(child.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { path: 'save', code: 'ERR_IO', message: `Cannot save the model to ${join(dir, 'model.fprop')}: ${reason}` },
      { path: 'export', code: 'ERR_IO', message: `Cannot export the model to ${join(dir, 'model.safetensors')}: ${reason}` },
      { path: 'checkpoint', code: 'ERR_IO', message: `Cannot save the model to ${join(dir, 'last.fprop')}: ${reason}` },
    ]);
    expectFiles(dir, previous);
    expectWeights(await Sequential.load(join(dir, 'model.fprop')), previousModel);
    expect((await Sequential.load(join(dir, 'last.fprop'))).epoch).toBe(0);
    expectWeights(await importSafetensors(join(dir, 'model.safetensors'), { loss: 'meanSquaredError' }), previousModel);
  });
});
