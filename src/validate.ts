// SPDX-License-Identifier: MIT
/**
 * Guards that check what a user can get wrong and throw {@link FastpropError}s whose messages
 * read "Expected … for … but received …" (the form sharp and Keras use).
 * @internal
 */
import { FastpropError } from './errors.ts';

/** A short description of a value for error messages: `-3 (number)`, `"relu" (string)`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `"${value}" (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${String(value)} (${typeof value})`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a value of type ${typeof value}`;
}

export function invalidParameter(name: string, expected: string, actual: unknown): FastpropError {
  return new FastpropError('ERR_INVALID_ARGUMENT', `Expected ${expected} for ${name} but received ${describe(actual)}`);
}

export function outOfRange(name: string, expected: string, actual: unknown): FastpropError {
  return new FastpropError('ERR_OUT_OF_RANGE', `Expected ${expected} for ${name} but received ${describe(actual)}`);
}

export function assertPositiveInteger(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw invalidParameter(name, 'positive integer', value);
  if (!Number.isInteger(value) || value < 1) throw outOfRange(name, 'positive integer', value);
}

export function assertFiniteNumber(value: unknown, name: string, min = -Infinity, max = Infinity): asserts value is number {
  if (typeof value !== 'number') throw invalidParameter(name, 'number', value);
  if (!Number.isFinite(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity ? 'finite number'
      : max === Infinity ? `number >= ${min}`
      : min === -Infinity ? `number <= ${max}`
      : `number from ${min} to ${max}`;
    throw outOfRange(name, range, value);
  }
}

export function assertBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidParameter(name, 'boolean', value);
}

/** Checks that `value` is one of `choices`; suggests the nearest one when it is not. */
export function assertOneOf<T extends string>(value: unknown, choices: readonly T[], name: string): asserts value is T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return;
  const hint = typeof value === 'string' ? didYouMean(value, choices) : '';
  throw new FastpropError(
    'ERR_INVALID_ARGUMENT',
    `Expected one of ${choices.map((c) => `'${c}'`).join(', ')} for ${name} but received ${describe(value)}${hint}`,
  );
}

/**
 * Checks that `options` is a plain object (or undefined) whose keys are all known, so that a
 * misspelt option fails loudly instead of being ignored.
 */
export function assertOptions(options: unknown, known: readonly string[], name: string): asserts options is Record<string, unknown> | undefined {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidParameter(name, 'an options object', options);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new FastpropError('ERR_UNKNOWN_OPTION', `Unknown option '${key}' in ${name}${didYouMean(key, known)}`);
    }
  }
}

function didYouMean(value: string, choices: readonly string[]): string {
  let best = '';
  let bestDistance = Infinity;
  for (const choice of choices) {
    const distance = editDistance(value.toLowerCase(), choice.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = choice;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(value.length / 3)) ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
