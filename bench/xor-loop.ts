// SPDX-License-Identifier: MIT
/**
 * XOR 2-4-1 trained by a plain hand-written JS loop: what a competent JS developer would write
 * instead of using a library. Float64Array weights, sigmoid hidden and output units, binary
 * cross-entropy (from the logit, stable) averaged over the full batch of 4, plain SGD. It computes
 * each step's loss, as fastprop does, so both do the same work.
 */
import { seededUniform } from './data.ts';

const X = [0, 0, 0, 1, 1, 0, 1, 1];
const T = [0, 1, 1, 0];
const HIDDEN = 4;

export class XorLoop {
  // w1 is [2 × 4] row-major ([in × out], as fastprop stores kernels), w2 is [4 × 1].
  readonly w1 = new Float64Array(2 * HIDDEN);
  readonly b1 = new Float64Array(HIDDEN);
  readonly w2 = new Float64Array(HIDDEN);
  b2 = 0;
  readonly #gw1 = new Float64Array(2 * HIDDEN);
  readonly #gb1 = new Float64Array(HIDDEN);
  readonly #gw2 = new Float64Array(HIDDEN);
  readonly #h = new Float64Array(HIDDEN);

  constructor(seed: number) {
    // Glorot-uniform weights, zero biases.
    const next = seededUniform(seed);
    const limit1 = Math.sqrt(6 / (2 + HIDDEN));
    const limit2 = Math.sqrt(6 / (HIDDEN + 1));
    for (let i = 0; i < this.w1.length; i++) this.w1[i] = (2 * next() - 1) * limit1;
    for (let i = 0; i < HIDDEN; i++) this.w2[i] = (2 * next() - 1) * limit2;
  }

  /** Runs `steps` full-batch SGD steps; returns the last step's mean loss. */
  train(steps: number, learningRate: number): number {
    const { w1, b1, w2 } = this;
    const gw1 = this.#gw1, gb1 = this.#gb1, gw2 = this.#gw2, h = this.#h;
    let loss = 0;
    for (let s = 0; s < steps; s++) {
      gw1.fill(0);
      gb1.fill(0);
      gw2.fill(0);
      let gb2 = 0;
      loss = 0;
      for (let r = 0; r < 4; r++) {
        const x0 = X[2 * r]!, x1 = X[2 * r + 1]!, t = T[r]!;
        let z = this.b2;
        for (let j = 0; j < HIDDEN; j++) {
          h[j] = 1 / (1 + Math.exp(-(x0 * w1[j]! + x1 * w1[HIDDEN + j]! + b1[j]!)));
          z += h[j]! * w2[j]!;
        }
        const y = 1 / (1 + Math.exp(-z));
        loss += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
        const dz = (y - t) / 4; // d(mean loss)/dz for sigmoid + cross-entropy
        gb2 += dz;
        for (let j = 0; j < HIDDEN; j++) {
          gw2[j]! += dz * h[j]!;
          const dh = dz * w2[j]! * h[j]! * (1 - h[j]!);
          gw1[j]! += dh * x0;
          gw1[HIDDEN + j]! += dh * x1;
          gb1[j]! += dh;
        }
      }
      for (let i = 0; i < w1.length; i++) w1[i]! -= learningRate * gw1[i]!;
      for (let j = 0; j < HIDDEN; j++) {
        b1[j]! -= learningRate * gb1[j]!;
        w2[j]! -= learningRate * gw2[j]!;
      }
      this.b2 -= learningRate * gb2;
      loss /= 4;
    }
    return loss;
  }
}
