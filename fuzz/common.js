// SPDX-License-Identifier: MIT
/**
 * Shared by the fuzz targets (fuzz/*.fuzz.js, run by scripts/fuzz.sh under Jazzer.js).
 *
 * A target feeds the fuzzer's bytes to a parser of untrusted files. The documented failure, a
 * FastpropError (ERR_BAD_DATA, ERR_BAD_MODEL_FILE, …) with a message, is the parser doing its
 * job and is swallowed; anything else (TypeError, RangeError, an invariant that does not hold, a
 * hang, running out of memory) escapes, and the fuzzer reports it as a finding with the input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFastpropError } from '../dist/errors.js';

/** Runs `fn`; returns its result, or undefined when it threw a FastpropError. */
export function expectedFailure(fn) {
  try {
    return fn();
  } catch (error) {
    if (isFastpropError(error) && typeof error.message === 'string' && error.message.length > 0) return undefined;
    throw error;
  }
}

/** As {@link expectedFailure}, for an async `fn`. */
export async function expectedFailureAsync(fn) {
  try {
    return await fn();
  } catch (error) {
    if (isFastpropError(error) && typeof error.message === 'string' && error.message.length > 0) return undefined;
    throw error;
  }
}

/** An invariant of a successful parse: a false one is a finding. */
export function check(condition, message) {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}

/** Float32Arrays equal value for value (NaN equal to NaN). */
export function sameFloats(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Splits an input into two parts: a little-endian uint16 length L, L bytes, then the rest. */
export function split2(data) {
  if (data.length < 2) return [Buffer.alloc(0), Buffer.from(data)];
  const length = Math.min(data.readUInt16LE(0), data.length - 2);
  return [data.subarray(2, 2 + length), data.subarray(2 + length)];
}

/** Joins two parts the way {@link split2} splits them (for writing seeds). */
export function join2(first, second) {
  const length = Buffer.alloc(2);
  length.writeUInt16LE(first.length);
  return Buffer.concat([length, first, second]);
}

// One scratch directory per fuzzing process (under TMPDIR, which scripts/fuzz.sh points at its
// own temporary directory), the same few file names rewritten for every input.
let scratch;
/** Writes `bytes` to the scratch file `name` and returns its path. */
export function scratchFile(name, bytes) {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'fastprop-fuzz-'));
    process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  }
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}
