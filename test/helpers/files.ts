// SPDX-License-Identifier: MIT
// Temporary directories for tests that write files; removed after the file's tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh temporary directory, removed when the test file ends; `write(name, text)` returns the path. */
export function tempDir(prefix = 'fastprop-'): { dir: string; path: (name: string) => string; write: (name: string, content: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    path: (name) => join(dir, name),
    write: (name, content) => {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
  };
}

/** An IDX file: magic 00 00 type dims, big-endian dimensions, then the bytes given. */
export function idxBytes(typeCode: number, dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}
