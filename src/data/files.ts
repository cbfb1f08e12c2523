// SPDX-License-Identifier: MIT
/**
 * Helpers the file loaders share: strict number parsing (no silent coercion) and turning
 * operating-system errors into {@link FastpropError}s that name the file.
 * @internal
 */
import { BadDataError, FastpropError } from '../errors.ts';
import type { StreamingDatasetOptions } from './dataset.ts';
import { assertBoolean, assertOptions, assertPositiveInteger, invalidParameter } from '../validate.ts';

/** A decimal number as written in text files: optional sign, digits, optional fraction and exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a decimal number strictly: unlike `Number()`, the empty string, hexadecimal,
 * `Infinity`, `NaN` and trailing garbage are rejected (returns undefined). Surrounding spaces
 * are allowed. A value beyond float32's range is rejected too, as it would become Infinity.
 */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(Math.fround(value)) ? value : undefined;
}

/** A FastpropError for a failed open/read/write, naming the file and the system's reason. */
export function ioError(path: string, action: string, cause: unknown): FastpropError {
  return new FastpropError('ERR_IO', `Cannot ${action} ${path}: ${ioReason(cause)}`, { cause });
}

/** The system's reason for a failed file operation, in words, with its code: "no space left on the device (ENOSPC)". */
export function ioReason(cause: unknown): string {
  const code = (cause as { code?: unknown })?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent of it is not a directory',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'no space left: the disk quota is used up',
    EFBIG: 'the file is too large (beyond the file-size limit of the process or the file system)',
    EROFS: 'the file system is read-only',
  };
  return typeof code === 'string' ? `${reasons[code] ?? (cause as Error).message} (${code})` : String((cause as Error)?.message ?? cause);
}

/** Options every loader takes. */
export interface LoaderOptions {
  /** Rows per streamed batch. @defaultValue 1024 */
  batchSize?: number;
  /**
   * Skip rows with bad data instead of throwing, and count them in `skippedRows`. Structural
   * damage (an unclosed quote, a truncated binary file) still throws.
   * @defaultValue false
   */
  skipBadRows?: boolean;
  /** Rows in the shuffle buffer fit draws training rows from (see {@link StreamingDatasetOptions}). @defaultValue 0 */
  shuffleBuffer?: number;
}

export const LOADER_OPTIONS = ['batchSize', 'skipBadRows', 'shuffleBuffer'] as const;

export function loaderOptions(options: LoaderOptions & Record<string, unknown>, known: readonly string[], name: string): { batchSize: number; skipBadRows: boolean; shuffleBuffer: number } {
  assertOptions(options, [...LOADER_OPTIONS, ...known], name);
  const { batchSize = 1024, skipBadRows = false, shuffleBuffer = 0 } = options;
  assertPositiveInteger(batchSize, 'batchSize');
  assertBoolean(skipBadRows, 'skipBadRows');
  if (!Number.isSafeInteger(shuffleBuffer) || shuffleBuffer < 0) throw invalidParameter('shuffleBuffer', 'a non-negative integer', shuffleBuffer);
  return { batchSize, skipBadRows, shuffleBuffer };
}

export function assertPath(path: unknown, name = 'path'): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) throw invalidParameter(name, 'a file path', path);
}

/**
 * The rows of the batch being read: inputs and targets of fixed widths, at most `batchSize` rows.
 * The buffers grow as rows arrive (doubling, up to batchSize), so a huge batchSize costs the
 * memory of the rows read, not of batchSize rows up front.
 */
export class BatchRows {
  readonly #batchSize: number;
  readonly #xWidth: number;
  readonly #yWidth: number;
  #capacity = 0;
  x = new Float32Array(0);
  y = new Float32Array(0);
  /** Rows held. */
  rows = 0;

  constructor(batchSize: number, xWidth: number, yWidth: number) {
    this.#batchSize = batchSize;
    this.#xWidth = xWidth;
    this.#yWidth = yWidth;
  }

  /** Room for one more row (zeroed); its index. Count it with {@link BatchRows.added}. */
  reserve(): number {
    if (this.rows === this.#capacity) {
      this.#capacity = Math.min(this.#batchSize, Math.max(64, 2 * this.#capacity));
      const x = new Float32Array(this.#capacity * this.#xWidth);
      const y = new Float32Array(this.#capacity * this.#yWidth);
      x.set(this.x);
      y.set(this.y);
      this.x = x;
      this.y = y;
    }
    return this.rows;
  }

  /** Counts the row written at {@link BatchRows.reserve}'s index; true when the batch is full. */
  added(): boolean {
    return ++this.rows === this.#batchSize;
  }

  /** The rows held (views), and a fresh empty batch. */
  take(): { x: Float32Array; y: Float32Array; rows: number } {
    const out = { x: this.x.subarray(0, this.rows * this.#xWidth), y: this.y.subarray(0, this.rows * this.#yWidth), rows: this.rows };
    this.x = new Float32Array(0);
    this.y = new Float32Array(0);
    this.#capacity = 0;
    this.rows = 0;
    return out;
  }
}

/** Counts skipped rows, or throws: the one place that decides what a bad row does. */
export class BadRows {
  readonly #skip: boolean;
  count = 0;

  constructor(skip: boolean) {
    this.#skip = skip;
  }

  /** Throws the error unless skipping; returns when the row is to be skipped. */
  handle(error: BadDataError): void {
    if (!this.#skip) throw error;
    this.count++;
  }
}
