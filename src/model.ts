// SPDX-License-Identifier: MIT
/**
 * A sequential stack of dense layers, trained by backpropagation.
 *
 * Each layer computes `activation(x · kernel + bias)` with kernel of shape [inputs × units]
 * (row-major) and bias of shape [units]. The model owns its parameters, gradients and optimizer
 * state as Float32Arrays and lends them to the backend for each call.
 */
import type { Backend, BackendName, TargetBuffer, TrainJob, TrainResult } from './backend/backend.ts';
import { NativeBackend } from './backend/native-backend.ts';
import { ReferenceBackend } from './backend/reference-backend.ts';
import { FastpropError } from './errors.ts';
import { initialize, INITIALIZERS, type Initializer } from './initializers.ts';
import { tryLoadNative, type Kernel } from './native.ts';
import type { Optimizer, OptimizerDescription } from './optimizers/optimizer.ts';
import { SGD } from './optimizers/sgd.ts';
import { Random, randomSeed } from './random.ts';
import {
  ACTIVATIONS, inputSize, layerOffsets, LOSS_INFO, LOSSES, MAX_PARAMETERS, MAX_UNITS, outputSize, parameterCount,
  type Activation, type LayerSpec, type Loss, type ModelSpec,
} from './spec.ts';
import { DeferredFiniteChecks, toLabels, toMatrix, type InputData, type Matrix, type MatrixInput, type TargetData } from './tensor.ts';
import { runTraining, type LoopData, type TrainingState } from './train/loop.ts';
import { runStreamTraining } from './train/stream-loop.ts';
import { checkBatch, InMemoryDataset, isDataset, StreamingDataset, type Dataset } from './data/dataset.ts';
import { Normalizer, type NormalizationMethod } from './data/normalize.ts';
import { readFile } from 'node:fs/promises';
import { ioError } from './data/files.ts';
import { writeFileAtomic } from './io/atomic-write.ts';
import { decodeModel, encodeModel, type ArchitectureLayer, type ModelSnapshot } from './io/model-file.ts';
import { optimizerFromDescription } from './optimizers/from-description.ts';
import { CALLBACK_HOOKS, type Callback, type EpochLogs, type History } from './train/callbacks.ts';
import type { LearningRateSchedule } from './train/schedules.ts';
import {
  assertBoolean, assertFiniteNumber, assertOneOf, assertOptions, assertPositiveInteger, invalidParameter, outOfRange,
} from './validate.ts';

/** One dense layer: `activation(x · kernel + bias)`. */
export interface DenseLayerOptions {
  /** Number of output units (the layer's width). */
  units: number;
  /**
   * Activation function.
   * @defaultValue 'linear'
   */
  activation?: Activation;
  /**
   * Initialiser of the kernel; `heUniform`/`heNormal` suit relu layers.
   * @defaultValue 'glorotUniform'
   */
  kernelInitializer?: Initializer;
  /**
   * Initialiser of the bias.
   * @defaultValue 'zeros'
   */
  biasInitializer?: Initializer;
  /**
   * Slope for negative inputs, for `leakyRelu`.
   * @defaultValue 0.01
   */
  leakySlope?: number;
  /** L1 penalty on the kernel: adds l1·Σ|W| to the loss. @defaultValue 0 */
  l1?: number;
  /** L2 penalty on the kernel: adds l2·ΣW² to the loss. @defaultValue 0 */
  l2?: number;
}

/**
 * Dropout after the preceding dense layer: while training, each of its outputs is zeroed with
 * probability `dropout` and the others scaled by 1/(1 − dropout) (inverted dropout); predict,
 * evaluate and gradients run without it. Masks come from the model's seed and the step number.
 */
export interface DropoutLayerOptions {
  /** The probability of dropping a unit, in [0, 1). */
  dropout: number;
}

/** Options of {@link Sequential}. */
export interface ModelOptions {
  /** Number of input features (columns of x). */
  inputSize: number;
  /** The layers, first to last: dense layers, optionally each followed by a dropout entry; the last dense layer's units are the model's outputs. */
  layers: (DenseLayerOptions | DropoutLayerOptions)[];
  /**
   * Loss, averaged over the batch. `binaryCrossEntropy` needs a sigmoid output layer and the
   * categorical losses a softmax one (they are computed from the logits, fused, for stability).
   */
  loss: Loss;
  /** δ of the `huber` loss: quadratic below it, linear above. @defaultValue 1 */
  huberDelta?: number;
  /**
   * Optimizer.
   * @defaultValue new SGD() (learning rate 0.01, no momentum)
   */
  optimizer?: Optimizer;
  /** Seed of the initial weights and of shuffling. @defaultValue a random seed (see {@link Sequential.seed}) */
  seed?: number;
  /**
   * Where the maths runs. Without it: native, or, if the addon cannot load, the reference
   * backend with one warning saying why. Asking for 'native' explicitly throws instead.
   */
  backend?: BackendName;
  /** Native backend: GEMM threads. @defaultValue FASTPROP_THREADS, else the number of cores */
  threads?: number;
  /** Native backend: force a GEMM kernel (tests and benchmarks). @defaultValue the best this CPU runs */
  kernel?: Kernel;
}

/** Options of {@link Sequential.fit}. */
export interface FitOptions {
  /** Passes over the data. @defaultValue 1 */
  epochs?: number;
  /** Rows per gradient step: 1 is stochastic, the dataset size is full-batch. Clamped to the dataset size. @defaultValue 32 */
  batchSize?: number;
  /**
   * Reshuffle the rows every epoch. A {@link StreamingDataset} has no global shuffle: this
   * shuffles through its `shuffleBuffer` (if it has one), and otherwise batches train in the
   * order the stream yields them.
   * @defaultValue true
   */
  shuffle?: boolean;
  /**
   * Seed of this fit's shuffling. Without it, shuffling continues the model's own seeded stream,
   * which {@link Sequential.save} stores: only then does a resumed run shuffle exactly as an
   * uninterrupted one.
   * @defaultValue the model's seeded stream
   */
  seed?: number;
  /** Data to evaluate after every epoch (valLoss, valAccuracy or valMae in the logs). */
  validationData?: readonly [x: InputData, y: TargetData] | InMemoryDataset;
  /**
   * Hold out this fraction of the rows, taken from the end before any shuffling (as Keras does),
   * for validation. In-memory data only: for a stream, pass validationData.
   */
  validationSplit?: number;
  /** Hooks run during training; see {@link Callback}. */
  callbacks?: Callback[];
  /** Called after every epoch (awaited when it returns a promise); shorthand for a callback. */
  onEpochEnd?: (logs: EpochLogs) => void | Promise<void>;
  /** Stops training between batches; fit then rejects with `ERR_ABORTED` and the model stays usable. */
  signal?: AbortSignal;
  /** A learning-rate schedule over the optimizer's rate, e.g. `cosineAnnealing({ period: 20 })`. */
  schedule?: LearningRateSchedule;
  /** Clamp every gradient to [−clipValue, clipValue] before the update. */
  clipValue?: number;
  /** Rescale the gradients when their global L2 norm exceeds clipNorm (PyTorch's clip_grad_norm_). */
  clipNorm?: number;
}

/** The optimizer's state: steps taken and its buffers (see {@link Sequential.getOptimizerState}). */
export interface OptimizerState {
  readonly step: number;
  readonly slots: readonly Float32Array[];
}

/** Options of {@link Sequential.load}: where the loaded model runs (as in {@link ModelOptions}). */
export interface LoadOptions {
  /** @defaultValue native, else reference with a warning */
  backend?: BackendName;
  /** Native backend: GEMM threads. */
  threads?: number;
  /** Native backend: force a GEMM kernel. */
  kernel?: Kernel;
}

/** A layer's parameters: kernel [inputs × units] row-major, bias [units]. */
export interface LayerWeights {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

const MODEL_OPTIONS = ['inputSize', 'layers', 'loss', 'huberDelta', 'optimizer', 'seed', 'backend', 'threads', 'kernel'] as const;
const LAYER_OPTIONS = ['units', 'activation', 'kernelInitializer', 'biasInitializer', 'leakySlope', 'l1', 'l2'] as const;
const FIT_OPTIONS = [
  'epochs', 'batchSize', 'shuffle', 'seed', 'validationData', 'validationSplit', 'callbacks', 'onEpochEnd', 'signal',
  'schedule', 'clipValue', 'clipNorm',
] as const;

let warnedFallback = false;

/** A layer width (or the input size): a positive integer up to {@link MAX_UNITS}. */
function assertWidth(value: unknown, name: string): asserts value is number {
  assertPositiveInteger(value, name);
  if (value > MAX_UNITS) throw outOfRange(name, `positive integer up to ${MAX_UNITS}`, value);
}

/**
 * Checks a given optimizer by what the backends will run: its description must be one the
 * optimizers' own constructors accept, and its slot count theirs (a hand-made object that
 * implements the interface wrongly fails here, not inside fit).
 */
function checkOptimizer(optimizer: Optimizer): void {
  const d: unknown = optimizer.describe();
  if (typeof d !== 'object' || d === null) throw invalidParameter('optimizer.describe()', 'an optimizer description { kind, learningRate, … }', d);
  const description = d as Record<string, unknown>;
  // Every key, always present (the backends read them all), then the values as the optimizer's own constructor checks them.
  for (const key of ['learningRate', 'momentum', 'beta1', 'beta2', 'rho', 'epsilon', 'weightDecay']) {
    assertFiniteNumber(description[key], `optimizer.describe().${key}`);
  }
  assertBoolean(description.nesterov, 'optimizer.describe().nesterov');
  const rebuilt = optimizerFromDescription(d as OptimizerDescription);
  if (optimizer.slotCount !== rebuilt.slotCount) {
    throw invalidParameter('optimizer.slotCount', `${rebuilt.slotCount} (the state buffers a '${(d as OptimizerDescription).kind}' optimizer keeps)`, optimizer.slotCount);
  }
}

/** A zeroed Float32Array, or ERR_OUT_OF_RANGE when the memory cannot be had. */
function allocate(length: number, what: string): Float32Array {
  try {
    return new Float32Array(length);
  } catch (cause) {
    throw new FastpropError('ERR_OUT_OF_RANGE', `Cannot allocate ${what} (${length} float32 values): ${(cause as Error).message}`, { cause });
  }
}

function createBackend(spec: ModelSpec, options: ModelOptions): Backend {
  const native = { ...(options.kernel ? { kernel: options.kernel } : {}), ...(options.threads ? { threads: options.threads } : {}) };
  if (options.backend === 'reference') return new ReferenceBackend(spec);
  if (options.backend === 'native') return new NativeBackend(spec, native);
  const loaded = tryLoadNative();
  if ('binding' in loaded) return new NativeBackend(spec, native);
  if (!warnedFallback) {
    warnedFallback = true;
    process.emitWarning(`${loaded.error.message} Falling back to the (slow) reference backend.`, { code: 'FASTPROP_NATIVE_UNAVAILABLE' });
  }
  return new ReferenceBackend(spec);
}

/**
 * A feed-forward network of dense layers.
 *
 * @example
 * ```ts
 * const model = new Sequential({
 *   inputSize: 2,
 *   layers: [{ units: 4, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
 *   loss: 'binaryCrossEntropy',
 *   optimizer: new SGD({ learningRate: 0.5 }),
 *   seed: 1,
 * });
 * await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 2000, batchSize: 4 });
 * ```
 * @throws {@link FastpropError} for any invalid option (`ERR_INVALID_ARGUMENT`, `ERR_OUT_OF_RANGE`,
 * `ERR_UNKNOWN_OPTION`), and `ERR_NATIVE_UNAVAILABLE` when backend 'native' is asked for but cannot load.
 */
export class Sequential {
  /** The validated description of the model that the backends run. */
  readonly spec: ModelSpec;
  /** The seed of the initial weights and of the shuffling stream. */
  readonly seed: number;
  readonly optimizer: Optimizer;
  readonly #backend: Backend;
  readonly #params: Float32Array;
  readonly #grads: Float32Array;
  #slots: Float32Array[] = [];
  #step = 0;
  #epoch = 0;
  readonly #shuffleRandom: Random;
  #normalization: Normalizer | undefined;
  /** A fit is running: a second fit, or dispose, would race with it. */
  #fitting = false;
  /** A backend call is running on another thread: nothing may touch the buffers. */
  #inFlight = false;
  #disposed = false;

  constructor(options: ModelOptions) {
    assertOptions(options, MODEL_OPTIONS, 'model options');
    if (options === undefined) throw invalidParameter('model options', 'an options object', options);
    assertWidth(options.inputSize, 'inputSize');
    if (!Array.isArray(options.layers) || options.layers.length === 0) {
      throw invalidParameter('layers', 'a non-empty array of layer options', options.layers);
    }
    assertOneOf(options.loss, LOSSES, 'loss');
    if (options.seed !== undefined) assertFiniteNumber(options.seed, 'seed');
    if (options.backend !== undefined) assertOneOf(options.backend, ['native', 'reference'] as const, 'backend');
    if (options.threads !== undefined) assertPositiveInteger(options.threads, 'threads');
    if (options.kernel !== undefined) assertOneOf(options.kernel, ['scalar', 'avx2', 'avx512'] as const, 'kernel');
    if (options.optimizer !== undefined && (typeof options.optimizer !== 'object' || options.optimizer === null || typeof options.optimizer.describe !== 'function')) {
      throw invalidParameter('optimizer', 'an optimizer such as new SGD({ learningRate: 0.01 }) or new Adam()', options.optimizer);
    }
    if (options.optimizer !== undefined) checkOptimizer(options.optimizer);

    const layers: LayerSpec[] = [];
    const dense: DenseLayerOptions[] = [];
    let inputs = options.inputSize;
    options.layers.forEach((layer, i) => {
      const name = `layers[${i}]`;
      if (typeof layer === 'object' && layer !== null && 'dropout' in layer) {
        assertOptions(layer, ['dropout'], name);
        assertFiniteNumber(layer.dropout, `${name}.dropout`, 0, 0.999);
        const previous = layers[layers.length - 1];
        if (!previous || i === options.layers.length - 1 || previous.dropout > 0) {
          throw new FastpropError('ERR_INVALID_ARGUMENT', `${name}: dropout must come right after a dense layer that is not the last`);
        }
        layers[layers.length - 1] = { ...previous, dropout: layer.dropout };
        return;
      }
      assertOptions(layer, LAYER_OPTIONS, name);
      if (layer === undefined) throw invalidParameter(name, 'layer options', layer);
      assertWidth(layer.units, `${name}.units`);
      const activation = layer.activation ?? 'linear';
      assertOneOf(activation, ACTIVATIONS, `${name}.activation`);
      if (layer.kernelInitializer !== undefined) assertOneOf(layer.kernelInitializer, INITIALIZERS, `${name}.kernelInitializer`);
      if (layer.biasInitializer !== undefined) assertOneOf(layer.biasInitializer, INITIALIZERS, `${name}.biasInitializer`);
      const leakySlope = layer.leakySlope ?? 0.01;
      assertFiniteNumber(leakySlope, `${name}.leakySlope`);
      const { l1 = 0, l2 = 0 } = layer;
      assertFiniteNumber(l1, `${name}.l1`, 0);
      assertFiniteNumber(l2, `${name}.l2`, 0);
      layers.push({ inputs, units: layer.units, activation, leakySlope, l1, l2, dropout: 0 });
      dense.push(layer);
      inputs = layer.units;
    });
    const required = LOSS_INFO[options.loss].requiresActivation;
    const last = layers[layers.length - 1]!;
    if (required !== undefined && last.activation !== required) {
      throw new FastpropError(
        'ERR_INVALID_ARGUMENT',
        `Loss '${options.loss}' needs a '${required}' output layer (it is computed from the logits for numerical stability), but the last layer's activation is '${last.activation}'`,
      );
    }

    const huberDelta = options.huberDelta ?? 1;
    assertFiniteNumber(huberDelta, 'huberDelta', Number.MIN_VALUE);
    this.seed = options.seed ?? randomSeed();
    this.spec = { layers, loss: options.loss, huberDelta, dropoutSeed: (this.seed ^ 0x2545f491) >>> 0 };
    this.optimizer = options.optimizer ?? new SGD();
    const count = parameterCount(this.spec);
    if (count > MAX_PARAMETERS) {
      throw new FastpropError('ERR_OUT_OF_RANGE', `Expected a model of at most ${MAX_PARAMETERS} parameters, but these layers have ${count}`);
    }
    this.#params = allocate(count, 'the parameters');
    this.#grads = allocate(count, 'the gradients');
    const random = new Random(this.seed);
    dense.forEach((layer, l) => {
      const { inputs: fanIn, units } = layers[l]!;
      const { weights, bias } = layerOffsets(this.spec, l);
      initialize(layer.kernelInitializer ?? 'glorotUniform', this.#params.subarray(weights, weights + fanIn * units), fanIn, units, random);
      initialize(layer.biasInitializer ?? 'zeros', this.#params.subarray(bias, bias + units), fanIn, units, random);
    });
    // A separate stream for shuffling, so fitting never changes what a seed initialises.
    this.#shuffleRandom = new Random((this.seed ^ 0x5bd1e995) >>> 0);
    this.#backend = createBackend(this.spec, options);
  }

  /** The backend in use and, for native, its GEMM kernel and thread count. */
  get backend(): { name: BackendName; kernel: string; threads: number } {
    if (this.#disposed) throw new FastpropError('ERR_DISPOSED', 'Cannot read backend: the model has been disposed');
    return { name: this.#backend.name, ...this.#backend.info() };
  }

  /**
   * Trains the model on (x, y), or on a dataset: an {@link InMemoryDataset}, or a
   * {@link StreamingDataset} (read afresh every epoch, each yielded batch trained in order).
   * Inputs go through the model's {@link Sequential.normalization} first, if it has one.
   * @param x - inputs, [rows × inputSize].
   * @param y - targets: [rows × outputs], or one class label per row for sparse cross-entropy.
   * @returns the per-epoch history (loss; accuracy or mae; their validation twins; learning rate; seconds).
   * @throws {@link FastpropError} for bad data or options; `ERR_BUSY` when the model is already
   * training; `ERR_ABORTED` when `signal` aborts; `ERR_NON_FINITE_LOSS` when training diverges
   * (the weights from before the bad step are kept). The last two carry the partial `history`.
   * @example
   * ```ts
   * await model.fit(x, y, { epochs: 10 });
   * await model.fit(await loadCsv('train.csv', { labels: 'y' }), { epochs: 10 });
   * await model.fit(await csvDataset('huge.csv', { labels: 'y' }), { epochs: 3, validationData: held });
   * ```
   */
  async fit(x: InputData, y: TargetData, options?: FitOptions): Promise<History>;
  async fit(dataset: Dataset, options?: FitOptions): Promise<History>;
  async fit(first: InputData | Dataset, second?: TargetData | FitOptions, third?: FitOptions): Promise<History> {
    let x: InputData;
    let y: TargetData;
    let options: FitOptions;
    let stream: StreamingDataset | undefined;
    if (isDataset(first)) {
      if (third !== undefined || Array.isArray(second) || ArrayBuffer.isView(second)) {
        throw new FastpropError('ERR_INVALID_ARGUMENT', 'fit(dataset, options) takes the targets from the dataset: pass no y');
      }
      options = (second ?? {}) as FitOptions;
      if (first instanceof StreamingDataset) {
        stream = first;
        x = [];
        y = [];
      } else {
        ({ x, y } = first);
      }
    } else {
      x = first;
      y = second as TargetData;
      options = third ?? {};
    }
    this.#requireIdle('fit');
    if (this.#fitting) throw new FastpropError('ERR_BUSY', 'Cannot call fit while the model is already fitting (await the first fit)');
    assertOptions(options, FIT_OPTIONS, 'fit options');
    const { epochs = 1, batchSize = 32, shuffle = true, seed, onEpochEnd, callbacks = [], signal, schedule, clipValue = 0, clipNorm = 0 } = options;
    assertPositiveInteger(epochs, 'epochs');
    assertPositiveInteger(batchSize, 'batchSize');
    assertBoolean(shuffle, 'shuffle');
    if (seed !== undefined) assertFiniteNumber(seed, 'seed');
    if (onEpochEnd !== undefined && typeof onEpochEnd !== 'function') throw invalidParameter('onEpochEnd', 'a function', onEpochEnd);
    if (!Array.isArray(callbacks) || callbacks.some((c) => typeof c !== 'object' || c === null)) {
      throw invalidParameter('callbacks', 'an array of callback objects', callbacks);
    }
    callbacks.forEach((c: Callback, i) => {
      for (const hook of CALLBACK_HOOKS) {
        const value: unknown = c[hook];
        if (value !== undefined && typeof value !== 'function') throw invalidParameter(`callbacks[${i}].${hook}`, 'a function', value);
      }
    });
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameter('signal', 'an AbortSignal', signal);
    if (schedule !== undefined && (typeof schedule !== 'object' || schedule === null || typeof schedule.rate !== 'function')) {
      throw invalidParameter('schedule', 'a learning-rate schedule such as cosineAnnealing({ period: 10 })', schedule);
    }
    if (schedule !== undefined) assertOneOf(schedule.per, ['step', 'epoch'] as const, 'schedule.per');
    assertFiniteNumber(clipValue, 'clipValue', 0);
    assertFiniteNumber(clipNorm, 'clipNorm', 0);
    if (clipValue > 0 && clipNorm > 0) throw new FastpropError('ERR_INVALID_ARGUMENT', 'Pass clipValue or clipNorm, not both');

    if (stream && options.validationSplit !== undefined) {
      throw new FastpropError('ERR_INVALID_ARGUMENT', 'validationSplit needs in-memory data; for a stream, pass validationData');
    }
    // Borrowed Float32Arrays are scanned for NaN/±Infinity off the event loop, before training.
    const deferred = new DeferredFiniteChecks();
    let data = stream ? undefined : this.#dataset(x, y, 'x', 'y', deferred);
    let validation: LoopData | undefined;
    if (options.validationData !== undefined && options.validationSplit !== undefined) {
      throw new FastpropError('ERR_INVALID_ARGUMENT', 'Pass validationData or validationSplit, not both');
    }
    if (options.validationData !== undefined) {
      const given: unknown = options.validationData;
      const pair = given instanceof InMemoryDataset ? [given.x, given.y] : given;
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw invalidParameter('validationData', '[x, y] or an InMemoryDataset', options.validationData);
      }
      const [vx, vy] = pair as [InputData, TargetData];
      const v = this.#dataset(vx, vy, 'validationData x', 'validationData y', deferred);
      validation = { x: v.inputs.data, targets: v.targets, rows: v.inputs.rows };
    } else if (options.validationSplit !== undefined && data) {
      assertFiniteNumber(options.validationSplit, 'validationSplit', 0, 0.99);
      const held = Math.floor(data.inputs.rows * options.validationSplit);
      const kept = data.inputs.rows - held;
      if (held === 0 || kept === 0) {
        throw new FastpropError('ERR_EMPTY_DATASET', `validationSplit ${options.validationSplit} of ${data.inputs.rows} rows leaves an empty training or validation set`);
      }
      validation = { ...splitRows(data, kept, data.inputs.rows, this.spec) };
      data = { inputs: { data: data.inputs.data.subarray(0, kept * data.inputs.cols), rows: kept, cols: data.inputs.cols }, targets: splitRows(data, 0, kept, this.spec).targets };
    }

    const slotCount = this.optimizer.slotCount;
    if (this.#slots.length !== slotCount) {
      this.#slots = Array.from({ length: slotCount }, () => new Float32Array(this.#params.length));
    }
    this.#fitting = true;
    const train = async (job: TrainJob): Promise<TrainResult> => {
      this.#inFlight = true;
      try {
        return await this.#backend.train(job);
      } finally {
        this.#inFlight = false;
      }
    };
    const all = onEpochEnd ? [...callbacks, { onEpochEnd: (_epoch: number, logs: EpochLogs) => onEpochEnd(logs) }] : callbacks;
    // The step counter advances even when training stops midway: the weights did move.
    // The step and epoch counters are the model's own, live: a callback saving the model
    // mid-fit (ModelCheckpoint) stores where training really is.
    const model = this;
    const state: TrainingState = {
      backend: this.#backend, train, params: this.#params, grads: this.#grads, slots: this.#slots, optimizer: this.optimizer,
      get step() { return model.#step; },
      set step(value) { model.#step = value; },
      get epoch() { return model.#epoch; },
      set epoch(value) { model.#epoch = value; },
      getWeights: () => this.#split(this.#params),
      // Checked: callbacks may pass anything (EarlyStopping passes back what getWeights gave it).
      setWeights: (weights) => this.setWeights(weights),
      model: this,
    };
    const loop = {
      epochs,
      batchSize: data ? Math.min(batchSize, data.inputs.rows) : batchSize,
      shuffle,
      random: seed === undefined ? this.#shuffleRandom : new Random(seed),
      validation,
      callbacks: all,
      schedule,
      clipValue,
      clipNorm,
      signal,
      metric: this.#metric(),
      metricPerRow: this.#metricPerRow(),
    };
    try {
      await deferred.run();
      if (data) return await runTraining(state, { x: data.inputs.data, targets: data.targets, rows: data.inputs.rows }, loop);
      const prepare = (yielded: unknown, index: number): LoopData => {
        const batch = checkBatch(yielded, index);
        const { inputs, targets } = this.#dataset(batch.x, batch.y, `stream batch ${index} x`, `stream batch ${index} y`);
        return { x: inputs.data, targets, rows: inputs.rows };
      };
      return await runStreamTraining(state, stream!, prepare, loop);
    } finally {
      this.#fitting = false;
    }
  }

  /**
   * The normalisation applied to every input before predict, evaluate, gradients and fit (and
   * saved with the model), or undefined for none.
   */
  get normalization(): Normalizer | undefined {
    return this.#normalization;
  }

  /**
   * Sets (or, with undefined, removes) the input normalisation, fitted on the training split
   * only: from now on every input is normalised with it, and {@link Sequential.save} stores it.
   * @example
   * ```ts
   * model.setNormalization(Normalizer.fit(train, 'minMax'));
   * ```
   * @throws {@link FastpropError} `ERR_SHAPE_MISMATCH` when it was fitted on a different number of features.
   */
  setNormalization(normalizer: Normalizer | undefined): void {
    this.#requireIdle('setNormalization');
    if (this.#fitting) throw new FastpropError('ERR_BUSY', 'Cannot change the normalisation while the model is fitting');
    if (normalizer !== undefined) {
      if (!(normalizer instanceof Normalizer)) throw invalidParameter('normalizer', 'a Normalizer (Normalizer.fit(train, method)) or undefined', normalizer);
      if (normalizer.features !== inputSize(this.spec)) {
        throw new FastpropError('ERR_SHAPE_MISMATCH', `The normalisation has ${normalizer.features} features but the model takes ${inputSize(this.spec)}`);
      }
    }
    this.#normalization = normalizer;
  }

  /**
   * The model's outputs for x, in the form x came in: nested arrays give nested arrays, a flat
   * buffer with a shape gives `{ data: Float32Array, shape: [rows, outputs] }`.
   */
  predict(x: readonly (readonly number[])[]): number[][];
  predict(x: MatrixInput): { data: Float32Array; shape: [number, number] };
  predict(x: InputData): number[][] | { data: Float32Array; shape: [number, number] } {
    this.#requireIdle('predict');
    const inputs = this.#normalize(toMatrix(x, 'x', inputSize(this.spec)));
    const outputs = outputSize(this.spec);
    const out = new Float32Array(inputs.rows * outputs);
    this.#backend.predict(this.#params, inputs.data, inputs.rows, out);
    if (!Array.isArray(x)) return { data: out, shape: [inputs.rows, outputs] };
    return Array.from({ length: inputs.rows }, (_, r) => Array.from(out.subarray(r * outputs, (r + 1) * outputs)));
  }

  /**
   * Mean loss over (x, y) (with the L1/L2 penalties), and accuracy for classification losses or
   * mean absolute error for regression losses.
   */
  evaluate(x: InputData, y: TargetData): { loss: number; accuracy?: number; mae?: number } {
    this.#requireIdle('evaluate');
    const { inputs, targets } = this.#dataset(x, y);
    const result = this.#backend.evaluate(this.#params, inputs.data, targets, inputs.rows);
    const metric = result.metric / (inputs.rows * this.#metricPerRow());
    const key = this.#metric();
    return { loss: result.lossSum / inputs.rows + result.penalty, ...(key ? { [key]: metric } : {}) };
  }

  /**
   * The loss gradients for every parameter at the current weights, over all of (x, y) as one
   * batch, without changing the weights; in the layout of {@link Sequential.getWeights}.
   */
  gradients(x: InputData, y: TargetData): { loss: number; layers: LayerWeights[] } {
    this.#requireIdle('gradients');
    const { inputs, targets } = this.#dataset(x, y);
    const grads = new Float32Array(this.#params.length);
    const loss = this.#backend.gradients(this.#params, inputs.data, targets, inputs.rows, grads);
    return { loss, layers: this.#split(grads) };
  }

  /** Copies of every layer's kernel [inputs × units] and bias [units]. */
  getWeights(): LayerWeights[] {
    this.#requireIdle('getWeights');
    return this.#split(this.#params);
  }

  /** Replaces every layer's kernel and bias (copied in); shapes as {@link Sequential.getWeights}. */
  setWeights(weights: readonly { kernel: ArrayLike<number>; bias: ArrayLike<number> }[]): void {
    this.#requireIdle('setWeights');
    if (!Array.isArray(weights) || weights.length !== this.spec.layers.length) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected weights for ${this.spec.layers.length} layers, got ${Array.isArray(weights) ? weights.length : 'no array'}`);
    }
    const next = new Float32Array(this.#params.length);
    this.spec.layers.forEach((layer, l) => {
      const { weights: w, bias: b } = layerOffsets(this.spec, l);
      const entry: unknown = weights[l];
      if (typeof entry !== 'object' || entry === null) throw invalidParameter(`weights[${l}]`, '{ kernel, bias }', entry);
      const { kernel, bias } = entry as { kernel: unknown; bias: unknown };
      copyChecked(kernel, `weights[${l}].kernel`, layer.inputs * layer.units, next, w);
      copyChecked(bias, `weights[${l}].bias`, layer.units, next, b);
    });
    this.#params.set(next); // all checked first: a bad entry leaves the weights untouched
  }

  /**
   * A copy of the optimizer's state: the step counter and its buffers (each the size of the
   * parameters, in their flat layout: layer after layer, kernel then bias).
   */
  getOptimizerState(): OptimizerState {
    this.#requireIdle('getOptimizerState');
    return { step: this.#step, slots: this.#slots.map((slot) => slot.slice()) };
  }

  /**
   * Restores what {@link Sequential.getOptimizerState} returned (copied in), to resume training
   * exactly. No buffers (`slots: []`, as a model that has not trained yet reports) means zeroed ones.
   */
  setOptimizerState(state: OptimizerState): void {
    this.#requireIdle('setOptimizerState');
    if (typeof state !== 'object' || state === null) throw invalidParameter('optimizer state', '{ step, slots }', state);
    assertFiniteNumber(state.step, 'optimizer state step', 0);
    if (!Number.isInteger(state.step)) throw invalidParameter('optimizer state step', 'an integer', state.step);
    const count = this.optimizer.slotCount;
    if (Array.isArray(state.slots) && state.slots.length === 0) {
      this.#slots = [];
      this.#step = state.step;
      return;
    }
    if (!Array.isArray(state.slots) || state.slots.length !== count) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected ${count} optimizer state buffers for this optimizer, got ${Array.isArray(state.slots) ? state.slots.length : 'none'}`);
    }
    const slots = state.slots.map((slot, i) => {
      const copy = new Float32Array(this.#params.length);
      copyChecked(slot, `optimizer state slots[${i}]`, this.#params.length, copy, 0);
      return copy;
    });
    this.#slots = slots;
    this.#step = state.step;
  }

  /** Epochs completed over the model's life (all fits; restored by {@link Sequential.load}). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Optimizer steps taken over the model's life (restored by {@link Sequential.load}). */
  get step(): number {
    return this.#step;
  }

  /**
   * Saves everything needed to predict with the model or to resume training bit for bit: the
   * architecture, weights, optimizer and its state, step and epoch counters, the shuffling
   * generator's state and the normalisation, in fastprop's model format (docs/model-format.md),
   * with a SHA-256 checksum. The write is atomic: a crash or kill during a save leaves the
   * previous file intact. It may be called from a callback during fit (between batches).
   * @example
   * ```ts
   * await model.save('model.fprop');
   * const again = await Sequential.load('model.fprop');
   * ```
   * @throws {@link FastpropError} `ERR_IO` when the file cannot be written (permissions, a full
   * disk): the previous one is left as it was, unless the message says the file was replaced and
   * only syncing its directory failed.
   */
  async save(path: string): Promise<void> {
    this.#requireIdle('save');
    if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a file path', path);
    // Copies: the write is asynchronous, and a fit may resume while it runs.
    const snapshot: ModelSnapshot = {
      architecture: { inputSize: inputSize(this.spec), layers: this.#architectureLayers(), loss: this.spec.loss, huberDelta: this.spec.huberDelta, seed: this.seed },
      optimizer: this.optimizer.describe(),
      training: { step: this.#step, epoch: this.#epoch, shuffleState: this.#shuffleRandom.getState() },
      normalization: this.#normalization ? this.#normalization.toJSON() : null,
      parameters: this.#params.slice(),
      slots: this.#slots.length === this.optimizer.slotCount ? this.#slots.map((slot) => slot.slice()) : [],
    };
    await writeFileAtomic(path, encodeModel(snapshot), 'save the model to');
  }

  /**
   * Loads a model saved by {@link Sequential.save}, ready to predict or to continue training
   * exactly where it stopped (fit the remaining epochs; pass no fit `seed`).
   * @example
   * ```ts
   * const model = await Sequential.load('model.fprop', { backend: 'native' });
   * model.predict(x);
   * ```
   * @throws {@link FastpropError} `ERR_IO` when the file cannot be read; `ERR_BAD_MODEL_FILE` for a
   * file that is not a model file, is truncated or corrupt (checksum) or inconsistent;
   * `ERR_MODEL_FILE_VERSION` for a file written by a newer fastprop.
   */
  static async load(path: string, options: LoadOptions = {}): Promise<Sequential> {
    if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a file path', path);
    assertOptions(options, ['backend', 'threads', 'kernel'], 'load options');
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw ioError(path, 'read', cause);
    }
    return Sequential.#fromSnapshot(decodeModel(bytes, path), path, options);
  }

  static #fromSnapshot(snapshot: ModelSnapshot, path: string, options: LoadOptions): Sequential {
    const { architecture: a, training } = snapshot;
    const invalid = (problem: string, cause?: unknown) =>
      new FastpropError('ERR_BAD_MODEL_FILE', `${path} is not a valid fastprop model file: ${problem}`, cause === undefined ? {} : { cause });
    // Sizes first, before anything is allocated from them.
    let inputs = a.inputSize;
    let expected = 0;
    for (const layer of a.layers) {
      if ('units' in layer) {
        expected += (inputs + 1) * layer.units;
        inputs = layer.units;
      }
    }
    if (expected !== snapshot.parameters.length) {
      throw invalid(`its architecture has ${expected} parameters but the parameters section holds ${snapshot.parameters.length}`);
    }
    const bad = snapshot.parameters.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw invalid(`parameter ${bad} is ${snapshot.parameters[bad]}`);
    let model: Sequential;
    try {
      model = new Sequential({
        inputSize: a.inputSize,
        layers: a.layers.map((l) => ({ ...l })) as (DenseLayerOptions | DropoutLayerOptions)[],
        loss: a.loss as Loss,
        huberDelta: a.huberDelta,
        optimizer: optimizerFromDescription(snapshot.optimizer),
        seed: a.seed,
        ...options,
      });
    } catch (cause) {
      if (cause instanceof FastpropError && cause.code !== 'ERR_NATIVE_UNAVAILABLE' && cause.code !== 'ERR_UNKNOWN_OPTION') {
        throw invalid(`its architecture or optimizer is invalid: ${cause.message}`, cause);
      }
      throw cause;
    }
    try {
      if (snapshot.slots.length !== 0 && snapshot.slots.length !== model.optimizer.slotCount) {
        throw invalid(`it holds ${snapshot.slots.length} optimizer slots, its optimizer keeps ${model.optimizer.slotCount}`);
      }
      if (snapshot.normalization) {
        const n = snapshot.normalization;
        try {
          model.setNormalization(new Normalizer(n.method as NormalizationMethod, n.shift, n.scale));
        } catch (cause) {
          throw invalid(`its normalisation is invalid: ${(cause as Error).message}`, cause);
        }
      }
      model.#params.set(snapshot.parameters);
      model.#slots = snapshot.slots.map((slot) => slot.slice());
      model.#step = training.step;
      model.#epoch = training.epoch;
      model.#shuffleRandom.setState(training.shuffleState);
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  /** The layers as model options describe them (for saving). */
  #architectureLayers(): ArchitectureLayer[] {
    return this.spec.layers.flatMap((l): ArchitectureLayer[] => [
      { units: l.units, activation: l.activation, leakySlope: l.leakySlope, l1: l.l1, l2: l.l2 },
      ...(l.dropout > 0 ? [{ dropout: l.dropout }] : []),
    ]);
  }

  /** Frees the native resources. Idempotent; any later call throws `ERR_DISPOSED`. */
  dispose(): void {
    if (this.#disposed) return;
    if (this.#fitting) throw new FastpropError('ERR_BUSY', 'Cannot dispose the model while it is training (await fit first)');
    this.#backend.dispose();
    this.#disposed = true;
  }

  #requireIdle(method: string): void {
    if (this.#disposed) throw new FastpropError('ERR_DISPOSED', `Cannot call ${method}: the model has been disposed`);
    if (this.#inFlight) throw new FastpropError('ERR_BUSY', `Cannot call ${method} while the model is training (await fit first)`);
  }

  /** The per-epoch metric: accuracy for classification losses, mean absolute error otherwise. */
  #metric(): 'accuracy' | 'mae' {
    return LOSS_INFO[this.spec.loss].accuracy ? 'accuracy' : 'mae';
  }

  /** What the metric sum is out of, per row: one prediction, or every output (binary accuracy, MAE). */
  #metricPerRow(): number {
    const loss = this.spec.loss;
    return loss === 'categoricalCrossEntropy' || loss === 'sparseCategoricalCrossEntropy' ? 1 : outputSize(this.spec);
  }

  #dataset(x: InputData, y: TargetData, xName = 'x', yName = 'y', deferred?: DeferredFiniteChecks): { inputs: Matrix; targets: TargetBuffer } {
    const { inputs, targets } = datasetFor(this.spec, x, y, xName, yName, deferred);
    return { inputs: this.#normalize(inputs), targets };
  }

  /** The inputs through the normalisation (a copy), or as they are without one. */
  #normalize(inputs: Matrix): Matrix {
    if (!this.#normalization) return inputs;
    return { data: this.#normalization.apply(inputs.data, inputs.rows, inputs.cols), rows: inputs.rows, cols: inputs.cols };
  }

  #split(buffer: Float32Array): LayerWeights[] {
    return this.spec.layers.map((layer, l) => {
      const { weights, bias } = layerOffsets(this.spec, l);
      return {
        kernel: buffer.slice(weights, weights + layer.inputs * layer.units),
        bias: buffer.slice(bias, bias + layer.units),
      };
    });
  }
}

/**
 * Validates (x, y) against a model and normalises them: x as a matrix, y as a target matrix or
 * class labels.
 * @internal
 */
export function datasetFor(
  spec: ModelSpec, x: InputData, y: TargetData, xName = 'x', yName = 'y', deferred?: DeferredFiniteChecks,
): { inputs: Matrix; targets: TargetBuffer } {
  const inputs = toMatrix(x, xName, inputSize(spec), deferred);
  const outputs = outputSize(spec);
  if (LOSS_INFO[spec.loss].labels) return { inputs, targets: toLabels(y, yName, inputs.rows, outputs) };
  // One number per row is accepted for single-output models.
  if (y instanceof BigInt64Array || y instanceof BigUint64Array || y instanceof DataView) {
    throw invalidParameter(yName, 'number[][], { data, shape } or one number per row', y);
  }
  const oneDimensional = Array.isArray(y) ? y.length > 0 && !Array.isArray(y[0]) : ArrayBuffer.isView(y);
  const asMatrix = outputs === 1 && oneDimensional
    ? { data: ArrayBuffer.isView(y) && !(y instanceof Float32Array) ? Float32Array.from(y as ArrayLike<number>) : y as readonly number[] | Float32Array, shape: [(y as ArrayLike<number>).length, 1] as const }
    : y;
  const targets = toMatrix(asMatrix, yName, outputs, deferred);
  if (targets.rows !== inputs.rows) {
    throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected ${yName} with ${inputs.rows} rows (one per row of ${xName}), got ${targets.rows}`);
  }
  return { inputs, targets: targets.data };
}

/** Rows [start, end) of a normalised dataset (views, no copies). */
function splitRows(data: { inputs: Matrix; targets: TargetBuffer }, start: number, end: number, spec: ModelSpec): LoopData {
  const perRow = LOSS_INFO[spec.loss].labels ? 1 : outputSize(spec);
  return {
    x: data.inputs.data.subarray(start * data.inputs.cols, end * data.inputs.cols),
    targets: data.targets.subarray(start * perRow, end * perRow),
    rows: end - start,
  };
}

function copyChecked(source: unknown, name: string, length: number, into: Float32Array, offset: number): void {
  if (!(ArrayBuffer.isView(source) || Array.isArray(source))) throw invalidParameter(name, 'Float32Array or number[]', source);
  const values = source as unknown as ArrayLike<unknown>;
  if (values.length !== length) throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected ${name} with ${length} values, got ${values.length}`);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new FastpropError('ERR_INVALID_ARGUMENT', `Expected a number at ${name}[${i}] but received ${typeof v}`);
    if (!Number.isFinite(v)) throw new FastpropError('ERR_NON_FINITE', `${name}[${i}] is ${String(v)}: weights must be finite`);
    into[offset + i] = v;
  }
}
