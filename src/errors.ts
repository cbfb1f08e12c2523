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
  | 'ERR_NATIVE'; // the native core reported a failure

/** Base class of fastprop's errors. */
export class FastpropError extends Error {
  override name = 'FastpropError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True for a {@link FastpropError}, also across realms (worker threads, vm contexts). */
export function isFastpropError(error: unknown): error is FastpropError {
  return (
    error instanceof FastpropError ||
    (error instanceof Error && error.name === 'FastpropError' && typeof (error as { code?: unknown }).code === 'string')
  );
}
