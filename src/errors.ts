// SPDX-License-Identifier: MIT
/**
 * Every error fastprop throws on purpose is a {@link FastpropError} with a stable `code`, so
 * callers can branch on the code rather than on message text.
 */

/** Stable error codes. */
export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT' // wrong kind of value (not a number, not an array, unknown name)
  | 'ERR_OUT_OF_RANGE' // right kind, value outside what is allowed
  | 'ERR_UNKNOWN_OPTION' // an options object has a key fastprop does not know
  | 'ERR_SHAPE_MISMATCH' // sizes of x, y and the model disagree
  | 'ERR_NON_FINITE' // NaN or ±Infinity in data
  | 'ERR_EMPTY_DATASET' // no rows
  | 'ERR_INVALID_LABEL' // class label not an integer in range
  | 'ERR_BUSY' // the model is training; the call would race with it
  | 'ERR_DISPOSED' // the model was disposed
  | 'ERR_ABORTED' // training was stopped by an AbortSignal
  | 'ERR_NON_FINITE_LOSS' // training diverged: the loss or the weights became NaN or ±Infinity
  | 'ERR_NATIVE_UNAVAILABLE' // the native addon could not be loaded
  | 'ERR_NATIVE' // the native core reported a failure
  | 'ERR_BAD_DATA' // a data file holds something that is not what it should be (names the file and line or byte offset)
  | 'ERR_BAD_MODEL_FILE' // a model file is truncated, corrupt, foreign or inconsistent
  | 'ERR_MODEL_FILE_VERSION' // a model file was written by a newer fastprop (a newer format version)
  | 'ERR_IO'; // reading or writing a file failed (permissions, missing directory, disk full)

/** Base class of fastprop's errors. */
export class FastpropError extends Error {
  override name = 'FastpropError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * True for a {@link FastpropError}, also across realms (worker threads, vm contexts). Never
 * throws, so it is safe in a catch handler whatever was thrown (a revoked Proxy: false).
 */
export function isFastpropError(error: unknown): error is FastpropError {
  try {
    return (
      error instanceof FastpropError ||
      (error instanceof Error && error.name === 'FastpropError' && typeof (error as { code?: unknown }).code === 'string')
    );
  } catch {
    return false;
  }
}

/**
 * Bad data in a file: the message names the file and the line (text formats) or byte offset
 * (binary formats), which are also available as properties.
 */
export class BadDataError extends FastpropError {
  override name = 'FastpropError';
  /** The file that holds the bad data. */
  readonly file: string;
  /** 1-based line number, for text formats (CSV, JSON Lines). */
  readonly line: number | undefined;
  /** 0-based byte offset, for binary formats (IDX; in the decompressed stream when gzipped). */
  readonly offset: number | undefined;

  constructor(file: string, where: { line?: number; offset?: number }, problem: string, options?: { cause?: unknown }) {
    const at = where.line !== undefined ? `line ${where.line}` : where.offset !== undefined ? `byte offset ${where.offset}` : '';
    super('ERR_BAD_DATA', `${file}${at ? `, ${at}` : ''}: ${problem}`, options);
    this.file = file;
    this.line = where.line;
    this.offset = where.offset;
  }
}
