// SPDX-License-Identifier: MIT
/**
 * Atomic file replacement: write a temporary file in the target's directory, fsync it, rename
 * it over the target, fsync the directory. rename(2) within one file system is atomic, so a
 * reader (or a process restarted after a crash or SIGKILL) sees either the previous complete
 * file or the new complete file, never a mix or a truncation. A crash can leave the temporary
 * file (`.NAME.PID.RANDOM.tmp`) behind; it is never read, and can be deleted.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ioError } from '../data/files.ts';

/**
 * Replaces `path` with the concatenation of `chunks`, atomically and durably.
 * @param action - what to call the operation in errors ("save the model to").
 * @throws {@link FastpropError} `ERR_IO` naming the path and the system's reason; the previous
 * file, if any, is left as it was.
 */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], action = 'write'): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temp, 'wx', 0o644);
  } catch (cause) {
    throw ioError(path, action, cause);
  }
  try {
    for (const chunk of chunks) {
      for (let written = 0; written < chunk.length;) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
        written += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (cause) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw ioError(path, action, cause);
  }
  // Make the rename itself durable. Some file systems refuse fsync on a directory (EINVAL); the
  // file is already complete and in place then, so that is not an error.
  try {
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM') throw ioError(path, action, cause);
  }
}
