// SPDX-License-Identifier: MIT
/**
 * Weight initialisers, all drawn from the model's seeded {@link Random}, so the same seed gives
 * the same initial weights on every backend.
 *
 *   glorotUniform  U(−l, l), l = √(6 / (fanIn + fanOut))      (Glorot & Bengio 2010; default)
 *   glorotNormal   N(0, σ²), σ = √(2 / (fanIn + fanOut))
 *   heUniform      U(−l, l), l = √(6 / fanIn)                  (He et al. 2015; for relu layers)
 *   heNormal       N(0, σ²), σ = √(2 / fanIn)
 *   zeros          0                                           (default for biases)
 */
import type { Random } from './random.ts';

export const INITIALIZERS = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros'] as const;
export type Initializer = (typeof INITIALIZERS)[number];

/** Fills `out` (a layer's kernel or bias) for a layer with the given fan-in and fan-out. */
export function initialize(kind: Initializer, out: Float32Array, fanIn: number, fanOut: number, random: Random): void {
  switch (kind) {
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = random.uniform(-limit, limit);
      return;
    }
    case 'glorotNormal': {
      const sigma = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = sigma * random.normal();
      return;
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / fanIn);
      for (let i = 0; i < out.length; i++) out[i] = random.uniform(-limit, limit);
      return;
    }
    case 'heNormal': {
      const sigma = Math.sqrt(2 / fanIn);
      for (let i = 0; i < out.length; i++) out[i] = sigma * random.normal();
      return;
    }
    case 'zeros':
      out.fill(0);
      return;
  }
}
