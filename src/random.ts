// SPDX-License-Identifier: MIT
/**
 * Seeded pseudo-random numbers shared by weight initialisation, shuffling and tests, so the
 * same seed gives the same weights and batches on every backend and every run.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counter, as in PractRand): 128 bits
 * of state, passes PractRand/BigCrush, and needs only 32-bit integer operations in JS.
 * @internal
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d = 1;

  constructor(seed: number) {
    // Spread a 32-bit seed over the state (splitmix32), then discard the first outputs.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The generator's 128-bit state as four unsigned 32-bit words, to save and later {@link Random.setState}. */
  getState(): [number, number, number, number] {
    return [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0];
  }

  /**
   * Restores a state from {@link Random.getState}: the stream continues exactly where it was.
   * @throws {@link RangeError} unless given four integers in [0, 2³²).
   */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new RangeError('A Random state is four unsigned 32-bit integers');
    }
    [this.#a, this.#b, this.#c, this.#d] = state.map((w) => w | 0) as [number, number, number, number];
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Standard normal (Box–Muller; one of the pair is discarded to keep the stream simple). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) is not allowed
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An integer uniform in [0, n), without modulo bias. */
  below(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    return order;
  }
}

/** A fresh 32-bit seed from Math.random, for when the user gives none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
