// SPDX-License-Identifier: MIT
/**
 * What a batch-1 training step of the 784-512-256-10 MLP cannot go below, on this machine: its
 * unavoidable memory passes, each timed on its own with the addon's own code. At batch 1 a step
 * does almost no arithmetic (≈ 3.2 MFLOP) but must stream every weight several times:
 *
 * - the update: SGD with momentum reads and writes every parameter and its velocity once
 *   (16 bytes per parameter, 8.6 MB) — timed through `_optimizerUpdate`, the kernel training
 *   uses, which also reads a stored gradient (20 bytes per parameter): its time is scaled by
 *   16/20, the step's share of that traffic;
 * - the forward products x·W of layers 2 and 3 (4 bytes per weight) — `_sgemm` with m = 1.
 *
 * fastprop's step fuses the gradient into the update (∂L/∂W is never stored), forms the
 * backward products δ·Wᵀ in the same pass (each row of W meets δ just before it is updated), and
 * forms the next step's layer-1 product x·W_0 there too (from each row of W_0 just after it is
 * updated), so these passes are all the memory traffic it has left; their sum is a floor for its
 * step time, and the samples/s that floor allows is what the batch-1 target has to be weighed
 * against.
 */
import { loadNative, type Kernel, type NativeBinding } from '../dist/native.js';
import { SGD } from '../dist/index.js';
import { uniformArray } from './data.ts';
import { median, runSuite, type MicroCase, type MicroOptions } from './stats.ts';

/** The bench's MLP, 784-512-256-10: [inputs, outputs] per layer. */
export const LAYERS = [[784, 512], [512, 256], [256, 10]] as const;
const FORWARD_LAYERS = LAYERS.slice(1);  // layer 1's product rides on the update pass

/**
 * The MLP's update pass as a benchmark case: SGD with momentum over every parameter, through
 * `_optimizerUpdate`. That pass moves 20 B per parameter (it also reads a stored gradient); a
 * training step's fused update moves 16, so callers scale its time by `UPDATE_SCALE`.
 */
export const UPDATE_SCALE = 16 / 20;
export function updatePassCase(binding: NativeBinding, kernel: Kernel, threads: number): { case: MicroCase; parameters: number } {
  const parameters = LAYERS.reduce((sum, [i, o]) => sum + i * o + o, 0);
  const params = uniformArray(parameters, 21, -0.05, 0.05);
  const grads = uniformArray(parameters, 22, -1e-3, 1e-3);
  const velocity = new Float32Array(parameters);
  const optimizer = new SGD({ learningRate: 0.01, momentum: 0.9 }).describe();
  let step = 0;
  return {
    case: { name: 'update', fn: () => { binding._optimizerUpdate(params, grads, [velocity], optimizer, 0.01, ++step, kernel, threads); } },
    parameters,
  };
}

export interface BatchOneFloor {
  /** Medians, microseconds; updateUs scaled to the step's 16 B per parameter. */
  updateUs: number;
  forwardUs: number;
  totalUs: number;
  parameters: number;
}

export async function batchOneFloor(kernel: Kernel, threads: number, micro: MicroOptions): Promise<BatchOneFloor> {
  const binding = loadNative();
  const update = updatePassCase(binding, kernel, threads);
  const weights = FORWARD_LAYERS.map(([i, o], l) => uniformArray(i * o, 30 + l, -0.05, 0.05));
  const rows = FORWARD_LAYERS.map(([i]) => uniformArray(i, 40, 0, 1));
  const outs = FORWARD_LAYERS.map(([, o]) => new Float32Array(o));
  const cases: MicroCase[] = [
    update.case,
    {
      name: 'forward',
      fn: () => FORWARD_LAYERS.forEach(([i, o], l) => binding._sgemm(false, false, 1, o, i, 1, rows[l]!, i, weights[l]!, o, 0, outs[l]!, o, null, kernel, threads)),
    },
  ];
  const samples = await runSuite(cases, micro);
  const us = (name: string) => median(samples.get(name)!) * 1e6;
  const updateUs = us('update') * UPDATE_SCALE, forwardUs = us('forward');
  return { updateUs, forwardUs, totalUs: updateUs + forwardUs, parameters: update.parameters };
}
