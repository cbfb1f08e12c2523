// SPDX-License-Identifier: MIT
/**
 * The plain, validated description of a model that every backend runs: the TS twin of
 * `native/core/model_spec.h`.
 *
 * Parameter layout (also `native/core/model_spec.h`): one flat Float32Array, layer after layer,
 * each layer's kernel W of shape [inputs × units], row-major (`W[i * units + j]` connects input
 * i to unit j: the Keras / TF.js convention), then its bias b of shape [units].
 * @internal
 */

/**
 * Activation functions. `linear` is the identity; `elu` uses α = 1; `gelu` is the exact
 * z·Φ(z); `silu` is z·σ(z), also known as swish.
 */
export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'elu', 'gelu', 'softplus', 'silu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Loss functions; see {@link LOSS_INFO} for their definitions. */
export const LOSSES = [
  'meanSquaredError',
  'halfSquaredError',
  'meanAbsoluteError',
  'binaryCrossEntropy',
  'categoricalCrossEntropy',
  'sparseCategoricalCrossEntropy',
  'huber',
] as const;
export type Loss = (typeof LOSSES)[number];

export interface LossInfo {
  /** The output activation a fused loss requires (it is computed from the logits). */
  readonly requiresActivation?: Activation;
  /** Targets are integer class labels rather than a matrix. */
  readonly labels: boolean;
  /** Accuracy is reported: argmax for categorical, threshold 0.5 for binary. */
  readonly accuracy: boolean;
}

export const LOSS_INFO: Readonly<Record<Loss, LossInfo>> = {
  meanSquaredError: { labels: false, accuracy: false },
  halfSquaredError: { labels: false, accuracy: false },
  meanAbsoluteError: { labels: false, accuracy: false },
  binaryCrossEntropy: { requiresActivation: 'sigmoid', labels: false, accuracy: true },
  categoricalCrossEntropy: { requiresActivation: 'softmax', labels: false, accuracy: true },
  sparseCategoricalCrossEntropy: { requiresActivation: 'softmax', labels: true, accuracy: true },
  huber: { labels: false, accuracy: false },
};

export interface LayerSpec {
  readonly inputs: number;
  readonly units: number;
  readonly activation: Activation;
  /** Slope for negative inputs of `leakyRelu`. */
  readonly leakySlope: number;
  /** Penalties on the kernel added to the loss: l1·Σ|W| + l2·ΣW². */
  readonly l1: number;
  readonly l2: number;
  /** Inverted dropout on this layer's output while training (0: none). */
  readonly dropout: number;
}

export interface ModelSpec {
  readonly layers: readonly LayerSpec[];
  readonly loss: Loss;
  /** δ of the Huber loss (the switch from quadratic to linear). */
  readonly huberDelta: number;
  /** Seed of the dropout masks (see `src/reference/dropout.ts`). */
  readonly dropoutSeed: number;
}

/**
 * The widest a layer (or the input) may be: the native binding's limit
 * (`native/binding/spec.cc` kMaxUnits), applied to both backends so that they agree.
 */
export const MAX_UNITS = 2 ** 24;

/**
 * The most parameters a model may have: far above any MLP trained here (the parameters alone
 * would take 8 GB), so that an absurd size is an error rather than an allocation that either
 * fails or takes the machine's memory while the weights are initialised.
 */
export const MAX_PARAMETERS = 2 ** 31 - 1;

export function hasPenalty(spec: ModelSpec): boolean {
  return spec.layers.some((layer) => layer.l1 !== 0 || layer.l2 !== 0);
}

export function parameterCount(spec: ModelSpec): number {
  return spec.layers.reduce((sum, layer) => sum + (layer.inputs + 1) * layer.units, 0);
}

/** Offsets of layer `index`'s kernel and bias in the flat parameter buffer. */
export function layerOffsets(spec: ModelSpec, index: number): { weights: number; bias: number } {
  let offset = 0;
  for (let l = 0; l < index; l++) offset += (spec.layers[l]!.inputs + 1) * spec.layers[l]!.units;
  const layer = spec.layers[index]!;
  return { weights: offset, bias: offset + layer.inputs * layer.units };
}

export function inputSize(spec: ModelSpec): number {
  return spec.layers[0]!.inputs;
}

export function outputSize(spec: ModelSpec): number {
  return spec.layers[spec.layers.length - 1]!.units;
}
