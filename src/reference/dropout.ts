// SPDX-License-Identifier: MIT
/**
 * Reference twin of the dropout masks in `native/core/mlp.cc`: inverted dropout with one
 * sfc32 generator per (optimizer step, layer), seeded as `native/core/random.h` does, so both
 * backends drop exactly the same units.
 * @internal
 */
import { Random } from '../random.ts';

export function dropoutSeed(modelSeed: number, step: number, layer: number): number {
  return (modelSeed + Math.imul(step, 0x9e3779b1) + Math.imul(layer + 1, 0x85ebca77)) >>> 0;
}

/** A [count] mask of 0 (dropped, probability `rate`) or 1/(1 − rate) (kept). */
export function dropoutMask(rate: number, seed: number, count: number): Float64Array {
  const random = new Random(seed);
  const threshold = rate * 4294967296;
  const keep = 1 / (1 - rate);
  const mask = new Float64Array(count);
  for (let i = 0; i < count; i++) mask[i] = random.nextUint32() < threshold ? 0 : keep;
  return mask;
}
