// SPDX-License-Identifier: MIT
/**
 * Atomic file replacement: write a temporary file in the target's directory, fsync it, rename
 * it over the target, fsync the directory. rename(2) within one file system is atomic, so a
 * reader (or a process restarted after a crash or SIGKILL) sees either the previous complete
 * file or the new complete file, never a mix or a truncation. A failed write (a full disk, an
 * unwritable directory) removes its temporary file and leaves the previous file as it was. A
 * crash can leave the temporary file (`.NAME.PID.RANDOM.tmp`) behind; it is never read, and can
 * be deleted.
 *
 * A symbolic link is followed: the file it points to is replaced and the link stays. A target
 * that exists but is not a regular file (a named pipe, a terminal), or any path under /dev or
 * /proc (`/dev/null`, `/dev/stdout`), is written in place, as replacing it would make no sense.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ioError, ioReason } from '../data/files.ts';
import { FastpropError } from '../errors.ts';

/** One file for {@link writeFilesAtomic}. */
export interface AtomicFile {
  path: string;
  chunks: readonly Uint8Array[];
  /** What to call the operation in errors ("save the model to"). @defaultValue 'write' */
  action?: string;
}

/**
 * Replaces `path` with the concatenation of `chunks`, atomically and durably.
 * @param action - what to call the operation in errors ("save the model to").
 * @throws {@link FastpropError} `ERR_IO` naming the path and the system's reason; the previous
 * file, if any, is left as it was (unless the message says the file was replaced and only
 * syncing its directory failed).
 */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], action = 'write'): Promise<void> {
  await writeFilesAtomic([{ path, chunks, action }]);
}

/**
 * Replaces several files that belong together (a safetensors file and its architecture JSON).
 * Every temporary file is written and fsynced before the first rename, so a failure while
 * writing (a full disk) leaves all the previous files; the renames then follow one another with
 * no data written in between. Two renames are not one atomic step: a crash between them, or a
 * later rename failing, leaves the earlier files replaced (the error says which).
 * @throws {@link FastpropError} `ERR_IO` naming the path and the system's reason.
 */
export async function writeFilesAtomic(files: readonly AtomicFile[]): Promise<void> {
  const targets = await Promise.all(files.map((file) => destination(file.path)));
  const temps: (string | undefined)[] = [];
  const fail = (i: number, cause: unknown) => ioError(files[i]!.path, files[i]!.action ?? 'write', cause);
  try {
    for (let i = 0; i < files.length; i++) {
      if (targets[i]!.special) {
        temps.push(undefined);
        continue;
      }
      const { path: target } = targets[i]!;
      const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      let handle: FileHandle | undefined;
      try {
        handle = await open(temp, 'wx', 0o644);
      } catch (cause) {
        throw fail(i, cause);
      }
      temps.push(temp);
      try {
        for (const chunk of files[i]!.chunks) {
          for (let written = 0; written < chunk.length;) {
            const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
            written += bytesWritten;
          }
        }
        await handle.sync();
        // close(2) releases the descriptor even when it reports an error, so no second close then.
        const closing = handle;
        handle = undefined;
        await closing.close();
      } catch (cause) {
        await handle?.close().catch(() => undefined);
        throw fail(i, cause);
      }
    }
  } catch (error) {
    await removeAll(temps);
    throw error;
  }
  for (let i = 0; i < files.length; i++) {
    try {
      const temp = temps[i];
      if (temp === undefined) await writeFile(targets[i]!.path, files[i]!.chunks);
      else await rename(temp, targets[i]!.path);
    } catch (cause) {
      await removeAll(temps.slice(i));
      const error = fail(i, cause);
      if (i > 0) error.message += `; ${files.slice(0, i).map((file) => file.path).join(', ')} ${i === 1 ? 'was' : 'were'} already replaced`;
      throw error;
    }
  }
  // Make the renames themselves durable. Some file systems refuse fsync on a directory (EINVAL);
  // the files are complete and in place then, so that is not an error.
  const replaced = targets.filter((target) => !target.special).map((target) => dirname(target.path));
  for (const dir of new Set(replaced)) {
    let directory: FileHandle | undefined;
    try {
      directory = await open(dir, 'r');
      await directory.sync();
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM') {
        const names = files.filter((_, i) => !targets[i]!.special && dirname(targets[i]!.path) === dir).map((file) => file.path).join(', ');
        throw new FastpropError('ERR_IO',
          `${names} ${names.includes(', ') ? 'were' : 'was'} replaced, but syncing the directory ${dir} failed: ${ioReason(cause)}; ` +
          'a power failure could still bring back the previous version', { cause });
      }
    } finally {
      // Only the sync matters for durability; closing a directory opened for reading cannot lose data.
      await directory?.close().catch(() => undefined);
    }
  }
}

/** The file to replace: `path` with symbolic links followed; `special` when it exists and is not a regular file. */
async function destination(path: string): Promise<{ path: string; special: boolean }> {
  // /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open descriptor even when it is a regular
  // file (a redirection): replacing that file would leave the descriptor writing to a deleted one.
  if (process.platform !== 'win32' && /^\/(?:dev|proc)\//.test(resolve(path))) return { path, special: true };
  try {
    if (!(await stat(path)).isFile()) return { path, special: true };
  } catch {
    return { path: resolve(path), special: false }; // a new file (or an unreachable one, which open reports)
  }
  try {
    return { path: await realpath(path), special: false };
  } catch {
    return { path: resolve(path), special: false };
  }
}

async function removeAll(paths: readonly (string | undefined)[]): Promise<void> {
  await Promise.all(paths.map((path) => (path === undefined ? undefined : unlink(path).catch(() => undefined))));
}
