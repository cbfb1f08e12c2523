// SPDX-License-Identifier: MIT
// Shared pieces of the public-API fuzz suites (public-*.fuzz.test.ts): hostile values, hostile
// arrays and options objects, and `settle`, which runs one call and decides whether its ending
// is acceptable.
//
// Acceptable endings: a return (or resolution), a FastpropError, or an error the caller's own
// hostile object raised (a getter or Proxy trap of ours that throws `Hostile`, or V8's TypeError
// for touching a revoked Proxy): those are the caller's errors, passed through unchanged, as any
// JS library does. Anything else (a TypeError or RangeError from deep inside, a non-Error
// throw, a promise that never settles) fails the property with the error, and fast-check shrinks
// it to a minimal counterexample.
import fc from 'fast-check';
import { isFastpropError } from '../../src/index.ts';

/** What our hostile getters and Proxy traps throw. */
export class Hostile extends Error {
  override name = 'Hostile';
}

/**
 * A hostile object built only when the property runs (see {@link materialize}): fast-check
 * itself probes and prints generated values, which a revoked Proxy or a throwing getter would
 * break. Its label is what fast-check prints in a counterexample.
 */
export class Lazy {
  readonly label: string;
  readonly build: () => unknown;
  constructor(label: string, build: () => unknown) {
    this.label = label;
    this.build = build;
  }
  [fc.toStringMethod](): string {
    return this.label;
  }
}

/** An object literal (prototype Object.prototype or null), not a class instance or exotic object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || isProxy(value) || value instanceof Lazy) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The Proxies this file makes (hostile or revoked), which the test code itself must not touch. */
const proxies = new WeakSet<object>();
function isProxy(value: object): boolean {
  return proxies.has(value);
}

/** Builds every {@link Lazy} inside plain arrays and objects (holes and lengths kept). */
export function materialize(value: unknown): unknown {
  if (value instanceof Lazy) return value.build();
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) return value.map(materialize);
  if (isPlainObject(value)) {
    // Rebuilt with the same prototype: fast-check's records are sometimes null-prototype objects, which options must accept too.
    return Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as object, Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v)])));
  }
  return value;
}

function hostileProxy<T extends object>(target: T): T {
  const fail = (): never => {
    throw new Hostile('trap');
  };
  const proxy = new Proxy(target, { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail });
  proxies.add(proxy);
  return proxy;
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  proxies.add(proxy);
  return proxy;
}

/** An object whose listed keys are getters that throw. */
export function throwingGetters(keys: readonly string[]): object {
  const o = {};
  for (const key of keys) Object.defineProperty(o, key, { enumerable: true, get: () => { throw new Hostile(key); } });
  return o;
}

/** Numbers that break naive checks. */
export const nastyNumber = fc.constantFrom(
  0, -0, 1, -1, 1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE, 1e-45, 1e-310, 3.4e38, 3.5e38, 1e300,
  2 ** 24, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 31), Number.MAX_SAFE_INTEGER, Number.MAX_VALUE,
);

/**
 * Values of the wrong kind, each built fresh (revoked and throwing Proxies, a function, a
 * symbol, a bigint, boxed and exotic objects, an object whose every property read throws).
 */
export const wrongType: fc.Arbitrary<unknown> = fc.constantFrom(
  'string', '', '3', 'relu ', 'toString', '__proto__', 3n, -1n, true, false, null, undefined,
  'symbol', 'function', 'object', 'array', 'nested', 'date', 'regexp', 'map', 'nullProto', 'proxy', 'revoked',
  'boxedNumber', 'arrayBuffer', 'sab', 'dataView', 'bigint64',
).map((kind): unknown => {
  switch (kind) {
    case 'symbol': return Symbol('s');
    case 'function': return () => 1;
    case 'object': return {};
    case 'array': return [];
    case 'nested': return [[]];
    case 'date': return new Date(0);
    case 'regexp': return /x/;
    case 'map': return new Map([[1, 2]]);
    case 'nullProto': return Object.create(null) as object;
    case 'proxy': return new Lazy('hostileProxy({})', () => hostileProxy({}));
    case 'revoked': return new Lazy('revokedProxy()', revokedProxy);
    case 'boxedNumber': return Object(3) as object;
    case 'arrayBuffer': return new ArrayBuffer(8);
    case 'sab': return new SharedArrayBuffer(8);
    case 'dataView': return new DataView(new ArrayBuffer(8));
    case 'bigint64': return new BigInt64Array(2);
    default: return kind;
  }
});

/**
 * {@link wrongType} without its strings: where a string is a relative file path that would be
 * written to (the working directory) or read.
 */
export const wrongNonString: fc.Arbitrary<unknown> = wrongType.filter((v) => typeof v !== 'string');

/** Anything a careless or hostile caller might pass where a value is expected. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(nastyNumber, wrongType);

/** Sizes: zero, one, small, and absurd, or not a size at all. */
export const size: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom(-1, 1.5, NaN, Infinity, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 53 + 2, 1e300) },
  { weight: 1, arbitrary: wrongType },
);

/** Element values: ordinary, awkward (NaN, ±Infinity, -0, denormals, beyond float32) or not numbers. */
export const element: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 1, arbitrary: wrongType },
);

/** Finite, ordinary values (for data that should go through). */
export const goodElement = fc.double({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });

/** Node 20 has resizable ArrayBuffers; TypeScript's ES2022 lib does not describe them. */
const ResizableArrayBuffer = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(bytes: number): void };

export type ArrayKind =
  | 'f32' | 'f64' | 'i32' | 'u8' | 'u16' | 'u32' | 'i8' | 'bigint64' | 'plain' | 'sparse' | 'detached'
  | 'resizedTracking' | 'resizedFixed' | 'proxy' | 'getter' | 'short' | 'long';

/**
 * A flat buffer of `length` values built from `values` in a random (often wrong) form: typed
 * arrays of every element type, a detached buffer, a resizable buffer shrunk after the view was
 * made (length-tracking, or fixed-length and now out of bounds), a Proxy whose reads throw, an
 * element getter that throws, and arrays one shorter or longer than stated.
 */
export function flat(kind: ArrayKind, length: number, values: readonly unknown[]): unknown {
  const nums = Array.from({ length }, (_, i) => values.length ? values[i % values.length] : 0);
  const asNumber = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  switch (kind) {
    case 'f32': return Float32Array.from(nums, asNumber);
    case 'f64': return Float64Array.from(nums, asNumber);
    case 'i32': return Int32Array.from(nums, asNumber);
    case 'u8': return Uint8Array.from(nums, asNumber);
    case 'u16': return Uint16Array.from(nums, asNumber);
    case 'u32': return Uint32Array.from(nums, asNumber);
    case 'i8': return Int8Array.from(nums, asNumber);
    case 'bigint64': return BigInt64Array.from(nums, (v) => BigInt(Math.trunc(Number.isFinite(asNumber(v)) ? asNumber(v) : 0)));
    case 'plain': return nums;
    case 'sparse': {
      const a: unknown[] = [];
      a.length = length;
      if (length > 1) a[length - 1] = nums[length - 1];
      return a;
    }
    case 'detached': {
      const a = Float32Array.from(nums, asNumber);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return a;
    }
    case 'resizedTracking': {
      const buffer = new ResizableArrayBuffer(4 * length, { maxByteLength: 4 * length + 16 });
      const a = new Float32Array(buffer);
      a.set(nums.map(asNumber));
      buffer.resize(Math.max(0, 4 * length - 4));
      return a;
    }
    case 'resizedFixed': {
      const buffer = new ResizableArrayBuffer(4 * length, { maxByteLength: 4 * length + 16 });
      const a = new Float32Array(buffer, 0, length);
      a.set(nums.map(asNumber));
      buffer.resize(0);
      return a;
    }
    case 'proxy': return hostileProxy(nums);
    case 'getter': {
      const a = nums.slice();
      if (length > 0) Object.defineProperty(a, length - 1, { get: () => { throw new Hostile('element'); } });
      return a;
    }
    case 'short': return Float32Array.from(nums.slice(0, Math.max(0, length - 1)), asNumber);
    case 'long': return [...nums, 0];
  }
}

/** A short printable form of any value (String() throws for symbols and null-prototype objects). */
function label(value: unknown): string {
  try {
    return value instanceof Lazy ? value.label : typeof value === 'object' && value !== null ? `[${Object.prototype.toString.call(value)}]` : String(value);
  } catch {
    return typeof value;
  }
}

/** {@link flat}, built when the property runs. */
export function lazyFlat(kind: ArrayKind, length: number, values: readonly unknown[]): Lazy {
  return new Lazy(`flat('${kind}', ${length}, [${values.slice(0, 4).map(label).join(', ')}${values.length > 4 ? ', …' : ''}])`, () => flat(kind, length, values.map(materialize)));
}

const ARRAY_KINDS: readonly ArrayKind[] = [
  'f32', 'f64', 'i32', 'u8', 'u16', 'u32', 'i8', 'bigint64', 'plain', 'sparse', 'detached', 'resizedTracking', 'resizedFixed', 'proxy', 'getter', 'short', 'long',
];
/** Every kind of buffer, equally likely. */
export const anyArrayKind: fc.Arbitrary<ArrayKind> = fc.constantFrom(...ARRAY_KINDS);

/** Mostly the usual kinds (Float32Array, number[]), often another. */
export const arrayKind: fc.Arbitrary<ArrayKind> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<ArrayKind>('f32', 'plain') },
  {
    weight: 4,
    arbitrary: fc.constantFrom<ArrayKind>(
      'f64', 'i32', 'u8', 'u16', 'u32', 'i8', 'bigint64', 'sparse', 'detached', 'resizedTracking', 'resizedFixed', 'proxy', 'getter', 'short', 'long',
    ),
  },
);

/**
 * A matrix argument for `rows × cols` as a caller might pass it: nested arrays (sometimes
 * ragged, with hostile rows), `{ data, shape }` with a hostile buffer or shape, or a wrong type.
 */
export function matrix(rows: fc.Arbitrary<number>, cols: fc.Arbitrary<number>, values = element): fc.Arbitrary<unknown> {
  // Mostly good values, so that calls get past the first check to the deeper ones.
  const pool = fc.oneof({ weight: 3, arbitrary: fc.array(goodElement, { minLength: 1, maxLength: 12 }) }, { weight: 2, arbitrary: fc.array(values, { minLength: 1, maxLength: 12 }) });
  const nested = fc
    .record({ rows, cols, values: pool, ragged: fc.option(fc.record({ row: fc.nat(), by: fc.constantFrom(-1, 1) }), { freq: 8 }), badRow: fc.option(fc.tuple(fc.nat(), wrongType), { freq: 8 }) })
    .map(({ rows: r, cols: c, values: v, ragged, badRow }): unknown => {
      const m: unknown[] = Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => v[(i * c + j) % v.length]));
      if (ragged && r > 0) (m[ragged.row % r] as unknown[]).length = Math.max(0, c + ragged.by);
      if (badRow && r > 0) m[badRow[0] % r] = badRow[1];
      return m;
    });
  const flatInput = fc
    .record({ rows, cols, kind: arrayKind, values: pool, shape: fc.option(fc.oneof(anyValue, fc.tuple(size, size), fc.array(size, { maxLength: 3 })), { freq: 8 }) })
    .map(({ rows: r, cols: c, kind, values: v, shape }) => ({ data: lazyFlat(kind, r * c, v), shape: shape ?? [r, c] }));
  return fc.oneof({ weight: 4, arbitrary: nested }, { weight: 4, arbitrary: flatInput }, { weight: 1, arbitrary: wrongType });
}

/**
 * An options object: valid (required keys present, optional ones sometimes), then as often as
 * not given one fault — a key set to a hostile value, a required key deleted, an unknown key, a
 * getter that throws — or replaced whole by a value of the wrong type. One fault at a time, so
 * that calls get past the first check to the deeper ones.
 * @param hostile - the hostile values to use (default {@link anyValue}).
 * @param clean - the weight of "no fault" against 7 for the faults.
 */
export function options(
  known: Record<string, fc.Arbitrary<unknown>>,
  { required = [], hostile = anyValue, clean = 6 }: { required?: readonly string[]; hostile?: fc.Arbitrary<unknown>; clean?: number } = {},
): fc.Arbitrary<unknown> {
  const valid = fc.record(known, { requiredKeys: required as string[] }) as fc.Arbitrary<Record<string, unknown>>;
  return withFault(valid, Object.keys(known), { hostile, clean });
}

/** Valid options objects from `valid`, given one fault at a time as {@link options} describes. */
export function withFault(
  valid: fc.Arbitrary<Record<string, unknown>>, keys: readonly string[],
  { hostile = anyValue, clean = 6 }: { hostile?: fc.Arbitrary<unknown>; clean?: number } = {},
): fc.Arbitrary<unknown> {
  type Fault = { set: string; to: unknown } | { del: string } | { extra: string } | { getter: string } | { replace: unknown } | null;
  const someKey = keys.length ? fc.constantFrom(...keys) : fc.constant('x');
  const fault: fc.Arbitrary<Fault> = fc.oneof(
    { weight: clean, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.tuple(someKey, hostile).map(([k, v]) => ({ set: k, to: v })) },
    { weight: 1, arbitrary: someKey.map((k) => ({ del: k })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((x) => ({ extra: `${x}x` })) },
    { weight: 1, arbitrary: someKey.map((k) => ({ getter: k })) },
    { weight: 1, arbitrary: wrongType.map((w) => ({ replace: w })) },
  );
  return fc.tuple(valid, fault).map(([o, f]): unknown => {
    if (f === null) return o;
    if ('set' in f) return { ...o, [f.set]: f.to };
    if ('del' in f) {
      const { [f.del]: _, ...rest } = o;
      return rest;
    }
    if ('extra' in f) return { ...o, [f.extra]: 1 };
    if ('getter' in f) {
      return new Lazy(`{ …, get ${f.getter}() { throw } }`, () => {
        const { [f.getter]: _, ...rest } = o;
        return Object.assign(throwingGetters([f.getter]), materialize(rest));
      });
    }
    return f.replace;
  });
}

function acceptable(error: unknown): boolean {
  return isFastpropError(error) || error instanceof Hostile || (error instanceof TypeError && /revoked/.test(error.message));
}

/** A settled call: its value, or an acceptable error. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Describes an unacceptable error so that fast-check's report says what went wrong. */
function unexpected(error: unknown, label: string): Error {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : `a non-Error throw (${typeof error})`;
  return new Error(`${label} ended in ${what} — expected a result or a FastpropError`, { cause: error });
}

/**
 * Runs `fn` and settles it: a value, or an acceptable error; throws (failing the property) on an
 * unacceptable error, on a promise that does not settle within `ms`, or on a synchronous call
 * that takes longer than `ms` (a sync loop cannot be interrupted; it is at least measured).
 */
export async function settle<T>(label: string, fn: () => T, ms = 5_000): Promise<Settled<Awaited<T>>> {
  const started = performance.now();
  let value: T;
  try {
    value = fn();
  } catch (error) {
    if (acceptable(error)) return { ok: false, error };
    throw unexpected(error, label);
  }
  const elapsed = performance.now() - started;
  if (elapsed > ms) throw new Error(`${label} took ${elapsed.toFixed(0)} ms synchronously`);
  if (!(value instanceof Promise)) return { ok: true, value: value as Awaited<T> };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not settle within ${ms} ms`)), ms);
  });
  try {
    return { ok: true, value: await Promise.race([value, timeout]) };
  } catch (error) {
    if (error instanceof Error && error.message.endsWith(`within ${ms} ms`)) throw error;
    if (acceptable(error)) return { ok: false, error };
    throw unexpected(error, label);
  } finally {
    clearTimeout(timer);
  }
}

/** The synchronous twin of {@link settle}, for calls that must not return a promise. */
export function settleSync<T>(label: string, fn: () => T, ms = 5_000): Settled<T> {
  const started = performance.now();
  try {
    const value = fn();
    const elapsed = performance.now() - started;
    if (elapsed > ms) throw new Error(`${label} took ${elapsed.toFixed(0)} ms`);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(`${label} took`)) throw error;
    if (acceptable(error)) return { ok: false, error };
    throw unexpected(error, label);
  }
}

/** True when every entry of an array-like is a number (finite or NaN: garbage in, garbage out). */
export function allNumbers(values: ArrayLike<unknown>): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'number') return false;
  return true;
}
