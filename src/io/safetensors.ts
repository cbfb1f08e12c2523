// SPDX-License-Identifier: MIT
/**
 * Interop with PyTorch: the weights as safetensors (https://huggingface.co/docs/safetensors),
 * named as the state_dict of the equivalent `torch.nn.Sequential`, plus a small JSON file
 * describing that Sequential's modules.
 *
 * Porting notes:
 * - `nn.Linear` stores its weight as [out, in]; our kernels are [in, out], so they are transposed
 *   both ways. Biases are [out] on both sides.
 * - `nn.Sequential` numbers every module, activations and dropout included: for
 *   `[Linear, ReLU, Dropout, Linear, Softmax]` the tensors are `0.weight`, `0.bias`, `3.weight`,
 *   `3.bias`.
 * - Our activations map to `Sigmoid`, `Tanh`, `ReLU`, `LeakyReLU(negative_slope)`,
 *   `Softmax(dim=1)`, `ELU(alpha=1)`, `GELU()` (exact), `Softplus()`, `SiLU()`; `linear` adds no
 *   module. The loss, L1/L2 and the normalisation (which PyTorch would apply before the model)
 *   travel in the JSON file.
 *
 * safetensors layout: an 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype: "F32", shape, data_offsets: [begin, end] }, "__metadata__": {...} }`
 * (offsets relative to the data after the header), then the raw little-endian data.
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { ioError } from '../data/files.ts';
import { Normalizer, type NormalizationMethod } from '../data/normalize.ts';
import { FastpropError } from '../errors.ts';
import { Sequential, type DenseLayerOptions, type DropoutLayerOptions, type LoadOptions } from '../model.ts';
import type { Optimizer } from '../optimizers/optimizer.ts';
import { inputSize, type Activation, type Loss } from '../spec.ts';
import { assertOptions, invalidParameter } from '../validate.ts';
import { writeFilesAtomic } from './atomic-write.ts';

/** One module of the equivalent `torch.nn.Sequential`. */
export type TorchModule =
  | { readonly type: 'Linear'; readonly in_features: number; readonly out_features: number }
  | { readonly type: 'Sigmoid' | 'Tanh' | 'ReLU' | 'GELU' | 'Softplus' | 'SiLU' }
  | { readonly type: 'LeakyReLU'; readonly negative_slope: number }
  | { readonly type: 'ELU'; readonly alpha: number }
  | { readonly type: 'Softmax'; readonly dim: number }
  | { readonly type: 'Dropout'; readonly p: number };

/** The JSON architecture file written beside the safetensors. */
export interface TorchArchitecture {
  readonly format: 'fastprop-torch-sequential';
  readonly version: 1;
  readonly inputSize: number;
  readonly modules: readonly TorchModule[];
  /** fastprop's loss name (PyTorch equivalents: MSELoss, CrossEntropyLoss on logits, …). */
  readonly loss?: Loss;
  readonly huberDelta?: number;
  /** L1/L2 per Linear, in order (absent: none). */
  readonly penalties?: readonly { readonly l1: number; readonly l2: number }[];
  /** Apply x' = (x − shift) / scale to inputs before the Sequential. */
  readonly normalization?: { readonly method: NormalizationMethod; readonly shift: readonly number[]; readonly scale: readonly number[] } | null;
}

const ACTIVATION_MODULES: Readonly<Record<Activation, (leakySlope: number) => TorchModule | undefined>> = {
  linear: () => undefined,
  sigmoid: () => ({ type: 'Sigmoid' }),
  tanh: () => ({ type: 'Tanh' }),
  relu: () => ({ type: 'ReLU' }),
  leakyRelu: (slope) => ({ type: 'LeakyReLU', negative_slope: slope }),
  softmax: () => ({ type: 'Softmax', dim: 1 }),
  elu: () => ({ type: 'ELU', alpha: 1 }),
  gelu: () => ({ type: 'GELU' }),
  softplus: () => ({ type: 'Softplus' }),
  silu: () => ({ type: 'SiLU' }),
};

const littleEndian = endianness() === 'LE';

/** The architecture of a model as a PyTorch Sequential (see the file header). */
export function torchArchitecture(model: Sequential): TorchArchitecture {
  if (!(model instanceof Sequential)) throw invalidParameter('model', 'a Sequential', model);
  const modules: TorchModule[] = [];
  for (const layer of model.spec.layers) {
    modules.push({ type: 'Linear', in_features: layer.inputs, out_features: layer.units });
    const activation = ACTIVATION_MODULES[layer.activation](layer.leakySlope);
    if (activation) modules.push(activation);
    if (layer.dropout > 0) modules.push({ type: 'Dropout', p: layer.dropout });
  }
  return {
    format: 'fastprop-torch-sequential', version: 1, inputSize: inputSize(model.spec), modules,
    loss: model.spec.loss, huberDelta: model.spec.huberDelta,
    penalties: model.spec.layers.map((l) => ({ l1: l.l1, l2: l.l2 })),
    normalization: model.normalization ? model.normalization.toJSON() : null,
  };
}

/**
 * Writes the model's weights as safetensors (named as the equivalent `nn.Sequential`'s
 * state_dict) and its architecture as JSON. Both writes are atomic, and both files are complete
 * on disk before either replaces its previous version, so a failed write (a full disk) keeps both
 * previous files.
 * @param architecturePath - where the JSON goes. @defaultValue `path` with `.json` instead of `.safetensors`
 * @example
 * ```ts
 * await exportSafetensors(model, 'model.safetensors'); // and model.json
 * // Python: build nn.Sequential from model.json, then
 * //   model.load_state_dict(safetensors.torch.load_file('model.safetensors'))
 * ```
 * @throws {@link FastpropError} `ERR_IO` when a file cannot be written; the previous files are left
 * as they were unless the message says one was already replaced.
 */
export async function exportSafetensors(model: Sequential, path: string, architecturePath?: string): Promise<void> {
  if (!(model instanceof Sequential)) throw invalidParameter('model', 'a Sequential', model);
  if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a file path', path);
  // Checked before anything is written (the default needs a string path, hence not a parameter default).
  const archPath: unknown = architecturePath ?? defaultArchitecturePath(path);
  if (typeof archPath !== 'string' || archPath.length === 0) throw invalidParameter('architecturePath', 'a file path', archPath);
  if (resolvePath(archPath) === resolvePath(path)) {
    throw new FastpropError('ERR_INVALID_ARGUMENT', `The architecture JSON would replace the weights: pass an architecturePath other than ${path}`);
  }
  const architecture = torchArchitecture(model);
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  const weights = model.getWeights();
  let layer = 0;
  architecture.modules.forEach((module, index) => {
    if (module.type !== 'Linear') return;
    const { kernel, bias } = weights[layer++]!;
    const { in_features: inputs, out_features: units } = module;
    const transposed = new Float32Array(kernel.length);
    for (let i = 0; i < inputs; i++) for (let j = 0; j < units; j++) transposed[j * inputs + i] = kernel[i * units + j]!;
    tensors.push({ name: `${index}.weight`, shape: [units, inputs], data: transposed }, { name: `${index}.bias`, shape: [units], data: bias });
  });
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', producer: 'fastprop' } };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data 8-byte aligned, as safetensors writes it
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const data = tensors.map((t) => {
    if (littleEndian) return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const out = Buffer.alloc(t.data.byteLength);
    t.data.forEach((v, i) => out.writeFloatLE(v, 4 * i));
    return out;
  });
  // Both files are written and synced before either replaces its previous version.
  await writeFilesAtomic([
    { path, chunks: [length, Buffer.from(json, 'utf8'), ...data], action: 'export the model to' },
    { path: archPath, chunks: [Buffer.from(JSON.stringify(architecture, null, 2) + '\n')], action: 'export the model architecture to' },
  ]);
}

/** Options of {@link importSafetensors}. */
export interface ImportOptions extends LoadOptions {
  /** The architecture JSON. @defaultValue `path` with `.json` instead of `.safetensors` */
  architecture?: string;
  /** The loss (required when the architecture file names none). */
  loss?: Loss;
  /** The optimizer for further training. @defaultValue new SGD() */
  optimizer?: Optimizer;
  /** Seed of the shuffling and dropout streams. @defaultValue a random seed */
  seed?: number;
}

/**
 * Builds a model from safetensors weights named as an `nn.Sequential`'s state_dict and the JSON
 * architecture (as {@link exportSafetensors} writes them, or written by hand for a PyTorch model).
 * @example
 * ```ts
 * const model = await importSafetensors('from-torch.safetensors', { loss: 'sparseCategoricalCrossEntropy' });
 * ```
 * @throws {@link FastpropError} `ERR_IO` when a file cannot be read; `ERR_BAD_MODEL_FILE` for a
 * malformed safetensors or architecture file, or tensors that do not match the architecture.
 */
export async function importSafetensors(path: string, options: ImportOptions = {}): Promise<Sequential> {
  if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a file path', path);
  assertOptions(options, ['architecture', 'loss', 'optimizer', 'seed', 'backend', 'threads', 'kernel'], 'import options');
  const archPath = options.architecture ?? defaultArchitecturePath(path);
  const [bytes, archText] = await Promise.all([read(path), read(archPath)]);
  let arch: unknown;
  try {
    arch = JSON.parse(archText.toString('utf8'));
  } catch (cause) {
    throw bad(archPath, `not valid JSON (${(cause as Error).message})`);
  }
  const a = arch as Partial<TorchArchitecture>;
  if (typeof arch !== 'object' || arch === null || a.format !== 'fastprop-torch-sequential') throw bad(archPath, 'expected { "format": "fastprop-torch-sequential", … }');
  if (a.version !== 1) throw bad(archPath, `architecture version ${String(a.version)} is not supported (this fastprop reads 1)`);
  if (!Array.isArray(a.modules)) throw bad(archPath, '"modules" must be an array');
  if (typeof a.inputSize !== 'number' || !Number.isSafeInteger(a.inputSize) || a.inputSize < 1) throw bad(archPath, '"inputSize" must be a positive integer');
  const penalties: unknown = a.penalties;
  if (penalties != null && (!Array.isArray(penalties) || !penalties.every((p: unknown) => isObject(p) && typeof p.l1 === 'number' && typeof p.l2 === 'number'))) {
    throw bad(archPath, '"penalties" must be an array of { "l1": number, "l2": number }');
  }
  const normalization: unknown = a.normalization;
  if (normalization != null && !(isObject(normalization) && isNumberArray(normalization.shift) && isNumberArray(normalization.scale))) {
    throw bad(archPath, '"normalization" must be null or { "method": "minMax" or "standardize", "shift": [numbers], "scale": [numbers] }');
  }
  const tensors = parseSafetensors(bytes, path);

  // Modules → layer options, checking the chain of sizes.
  const layers: (DenseLayerOptions | DropoutLayerOptions)[] = [];
  const linearIndices: number[] = [];
  let width = a.inputSize;
  a.modules.forEach((m: unknown, index) => {
    const module = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    const last = layers.at(-1) as DenseLayerOptions | undefined;
    const setActivation = (activation: Activation, extra: Partial<DenseLayerOptions> = {}) => {
      if (!last || !('units' in last) || (last.activation ?? 'linear') !== 'linear') {
        throw bad(archPath, `modules[${index}] (${String(module.type)}) must follow a Linear module directly`);
      }
      Object.assign(last, { activation, ...extra });
    };
    switch (module.type) {
      case 'Linear': {
        if (module.in_features !== width) throw bad(archPath, `modules[${index}] takes ${String(module.in_features)} inputs, but ${String(width)} arrive`);
        const units = module.out_features;
        if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 1) throw bad(archPath, `modules[${index}].out_features must be a positive integer`);
        layers.push({ units, activation: 'linear' });
        linearIndices.push(index);
        width = units;
        return;
      }
      case 'Sigmoid': return setActivation('sigmoid');
      case 'Tanh': return setActivation('tanh');
      case 'ReLU': return setActivation('relu');
      case 'GELU': return setActivation('gelu');
      case 'Softplus': return setActivation('softplus');
      case 'SiLU': return setActivation('silu');
      case 'LeakyReLU': return setActivation('leakyRelu', { leakySlope: typeof module.negative_slope === 'number' ? module.negative_slope : 0.01 });
      case 'ELU':
        if ((module.alpha ?? 1) !== 1) throw bad(archPath, `modules[${index}]: only ELU with alpha 1 is supported`);
        return setActivation('elu');
      case 'Softmax':
        if (module.dim !== 1 && module.dim !== -1) throw bad(archPath, `modules[${index}]: only Softmax over dim 1 is supported`);
        return setActivation('softmax');
      case 'Dropout':
        if (typeof module.p !== 'number') throw bad(archPath, `modules[${index}].p must be a number`);
        if (module.p > 0) layers.push({ dropout: module.p });
        return;
      default:
        throw bad(archPath, `modules[${index}] is ${JSON.stringify(module.type)}: fastprop supports Linear, Dropout and the activations Sigmoid, Tanh, ReLU, LeakyReLU, ELU, GELU, Softplus, SiLU, Softmax`);
    }
  });
  const dense = layers.filter((l): l is DenseLayerOptions => 'units' in l);
  a.penalties?.forEach((p, i) => {
    if (dense[i]) Object.assign(dense[i], { l1: p.l1, l2: p.l2 });
  });
  const loss = options.loss ?? a.loss;
  if (loss === undefined) throw new FastpropError('ERR_INVALID_ARGUMENT', `${archPath} names no loss: pass { loss } to importSafetensors`);

  // Every tensor the Sequential needs, with its shape; nothing else.
  const expected = new Map<string, number[]>();
  linearIndices.forEach((index, l) => {
    const units = dense[l]!.units;
    const inputs = l === 0 ? a.inputSize! : dense[l - 1]!.units;
    expected.set(`${index}.weight`, [units, inputs]);
    expected.set(`${index}.bias`, [units]);
  });
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) throw bad(path, `tensor ${name} is missing (the architecture's Linear module ${name.split('.')[0]} needs it; bias-free Linear layers are not supported)`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw bad(path, `tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  const extra = [...tensors.keys()].find((name) => !expected.has(name));
  if (extra) throw bad(path, `tensor ${extra} does not belong to any module of the architecture`);

  const model = new Sequential({
    inputSize: a.inputSize!, layers, loss,
    ...(a.huberDelta !== undefined ? { huberDelta: a.huberDelta } : {}),
    ...(options.optimizer ? { optimizer: options.optimizer } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.kernel ? { kernel: options.kernel } : {}),
  });
  try {
    model.setWeights(linearIndices.map((index, l) => {
      const weight = tensors.get(`${index}.weight`)!.data;
      const units = dense[l]!.units;
      const inputs = weight.length / units;
      const kernel = new Float32Array(weight.length);
      for (let j = 0; j < units; j++) for (let i = 0; i < inputs; i++) kernel[i * units + j] = weight[j * inputs + i]!;
      return { kernel, bias: tensors.get(`${index}.bias`)!.data };
    }));
    if (a.normalization) model.setNormalization(new Normalizer(a.normalization.method, a.normalization.shift, a.normalization.scale));
  } catch (cause) {
    model.dispose();
    throw cause instanceof FastpropError ? bad(path, cause.message) : cause;
  }
  return model;
}

/** Reads safetensors bytes into named float32 tensors, checking every size and offset. */
export function parseSafetensors(bytes: Buffer, path: string): Map<string, { shape: number[]; data: Float32Array }> {
  if (bytes.length < 8) throw bad(path, `truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const length = bytes.readBigUInt64LE(0);
  if (length > BigInt(bytes.length - 8)) throw bad(path, `truncated: the header length is ${length} bytes but the file has ${bytes.length - 8} after it`);
  const start = 8 + Number(length);
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, start));
  } catch (cause) {
    throw bad(path, `the header is not valid JSON (${(cause as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad(path, 'the header must be a JSON object');
  const dataLength = bytes.length - start;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const spans: [number, number, string][] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (entry.dtype !== 'F32') throw bad(path, `tensor ${name} has dtype ${JSON.stringify(entry.dtype)}; fastprop reads F32 only`);
    const { shape, data_offsets: offsets } = entry;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(path, `tensor ${name} has an invalid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) throw bad(path, `tensor ${name} has invalid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    if (end > dataLength || begin > end) throw bad(path, `tensor ${name}'s data [${begin}, ${end}) lies outside the ${dataLength} data bytes (truncated?)`);
    if (end - begin !== count * 4) throw bad(path, `tensor ${name} has ${end - begin} bytes of data but its shape [${(shape as number[]).join(', ')}] needs ${count * 4}`);
    spans.push([begin, end, name]);
    const data = new Float32Array(count);
    if (littleEndian) new Uint8Array(data.buffer).set(bytes.subarray(start + begin, start + end));
    else for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(start + begin + 4 * i);
    tensors.set(name, { shape: shape as number[], data });
  }
  spans.sort((p, q) => p[0] - q[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) throw bad(path, `tensors ${spans[i - 1]![2]} and ${spans[i]![2]} overlap`);
  }
  return tensors;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

function bad(path: string, problem: string): FastpropError {
  return new FastpropError('ERR_BAD_MODEL_FILE', `${path}: ${problem}`);
}

async function read(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw ioError(path, 'read', cause);
  }
}

function defaultArchitecturePath(path: string): string {
  return path.endsWith('.safetensors') ? `${path.slice(0, -'.safetensors'.length)}.json` : `${path}.json`;
}
