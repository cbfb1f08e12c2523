// SPDX-License-Identifier: MIT
/**
 * The fastprop model file, format version 1 (documented in docs/model-format.md):
 *
 * ```text
 * offset      size  content
 * 0           6     magic "FPROP\0" (46 50 52 4f 50 00)
 * 6           2     format version, uint16 little-endian (1)
 * 8           4     header length N, uint32 little-endian
 * 12          N     header: UTF-8 JSON (architecture, optimizer, training state, normalisation, sections)
 * 12+N        P     zero bytes padding to a multiple of 4 (P = 0..3)
 * 12+N+P      4·Σ   the sections, float32 little-endian, back to back, in the header's order
 * end−32      32    SHA-256 of every byte before it
 * ```
 *
 * The file is untrusted input: every field is checked before use, every size against the file's
 * length before anything is allocated, nothing is evaluated, and nothing is read out of bounds.
 * @internal
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { FastpropError } from '../errors.ts';
import type { OptimizerDescription } from '../optimizers/optimizer.ts';

export const MAGIC = Buffer.from('FPROP\0', 'latin1');
export const FORMAT_VERSION = 1;
const PREAMBLE = 12;
const CHECKSUM = 32;
/** Headers beyond this are refused (a real one is a few kB plus the normalisation's numbers). */
const MAX_HEADER = 256 * 1024 * 1024;

/** A dense layer or a dropout entry, as the model options describe them. */
export type ArchitectureLayer =
  | { readonly units: number; readonly activation: string; readonly leakySlope: number; readonly l1: number; readonly l2: number }
  | { readonly dropout: number };

/** Everything a model file holds. */
export interface ModelSnapshot {
  readonly architecture: {
    readonly inputSize: number;
    readonly layers: readonly ArchitectureLayer[];
    readonly loss: string;
    readonly huberDelta: number;
    readonly seed: number;
  };
  readonly optimizer: OptimizerDescription;
  readonly training: {
    /** Optimizer steps taken. */
    readonly step: number;
    /** Epochs completed. */
    readonly epoch: number;
    /** The shuffling generator's state (four uint32 words). */
    readonly shuffleState: readonly number[];
  };
  readonly normalization: { readonly method: string; readonly shift: readonly number[]; readonly scale: readonly number[] } | null;
  readonly parameters: Float32Array;
  /** The optimizer's state buffers, each the size of the parameters. */
  readonly slots: readonly Float32Array[];
}

function bad(path: string, problem: string): FastpropError {
  return new FastpropError('ERR_BAD_MODEL_FILE', `${path} is not a valid fastprop model file: ${problem}`);
}

const littleEndian = endianness() === 'LE';

function floatsToBytes(values: Float32Array): Buffer {
  if (littleEndian) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

function bytesToFloats(bytes: Buffer, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (littleEndian) new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
  else for (let i = 0; i < count; i++) out[i] = bytes.readFloatLE(offset + i * 4);
  return out;
}

/** The file's bytes, as chunks to write one after another (the float sections are not copied). */
export function encodeModel(snapshot: ModelSnapshot): Buffer[] {
  const sections = [
    { name: 'parameters', length: snapshot.parameters.length },
    ...snapshot.slots.map((slot, i) => ({ name: `optimizer.slot.${i}`, length: slot.length })),
  ];
  const header = Buffer.from(JSON.stringify({
    format: 'fastprop-model',
    architecture: snapshot.architecture,
    optimizer: snapshot.optimizer,
    training: snapshot.training,
    normalization: snapshot.normalization,
    sections,
  }), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt16LE(FORMAT_VERSION, 6);
  preamble.writeUInt32LE(header.length, 8);
  const padding = Buffer.alloc((4 - ((PREAMBLE + header.length) % 4)) % 4);
  const chunks = [preamble, header, padding, floatsToBytes(snapshot.parameters), ...snapshot.slots.map(floatsToBytes)];
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  chunks.push(hash.digest());
  return chunks;
}

/**
 * Parses and checks a model file's bytes; `path` names it in errors.
 * @throws {@link FastpropError} `ERR_BAD_MODEL_FILE` for a foreign, truncated, corrupt or
 * inconsistent file, `ERR_MODEL_FILE_VERSION` for one written by a newer fastprop.
 */
export function decodeModel(bytes: Buffer, path: string): ModelSnapshot {
  if (bytes.length >= MAGIC.length ? !bytes.subarray(0, MAGIC.length).equals(MAGIC) : !MAGIC.subarray(0, bytes.length).equals(bytes)) {
    throw bad(path, `it does not start with the magic bytes "FPROP\\0" (found ${[...bytes.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'an empty file'})`);
  }
  if (bytes.length < PREAMBLE) throw bad(path, `truncated: ${bytes.length} bytes, shorter than the ${PREAMBLE}-byte preamble`);
  const version = bytes.readUInt16LE(6);
  if (version > FORMAT_VERSION) {
    throw new FastpropError('ERR_MODEL_FILE_VERSION', `${path} was written by a newer fastprop (model format version ${version}); this fastprop reads format version ${FORMAT_VERSION} (help: upgrade fastprop)`);
  }
  if (version < 1) throw bad(path, `format version ${version} does not exist`);
  const headerLength = bytes.readUInt32LE(8);
  const dataStart = PREAMBLE + headerLength + ((4 - ((PREAMBLE + headerLength) % 4)) % 4);
  if (headerLength > MAX_HEADER || dataStart + CHECKSUM > bytes.length) {
    throw bad(path, `truncated: its header says ${headerLength} bytes of header, but the file has ${bytes.length} bytes in all`);
  }
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', PREAMBLE, PREAMBLE + headerLength));
  } catch (cause) {
    throw bad(path, `the header is not valid JSON (${(cause as Error).message}); the file is corrupt`);
  }
  const h = object(header, 'header', path);
  const sections = array(h.sections, 'header.sections', path).map((s, i) => {
    const section = object(s, `sections[${i}]`, path);
    return { name: string(section.name, `sections[${i}].name`, path), length: count(section.length, `sections[${i}].length`, path) };
  });
  const expected = dataStart + 4 * sections.reduce((sum, s) => sum + s.length, 0) + CHECKSUM;
  if (bytes.length !== expected) {
    throw bad(path, bytes.length < expected ? `truncated: ${bytes.length} bytes, but its header describes ${expected}` : `${bytes.length - expected} unexpected bytes after the ${expected} its header describes`);
  }
  const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - CHECKSUM)).digest();
  if (!digest.equals(bytes.subarray(bytes.length - CHECKSUM))) throw bad(path, 'the SHA-256 checksum does not match: the file is corrupt');

  if (h.format !== 'fastprop-model') throw bad(path, `header.format is ${JSON.stringify(h.format)}, expected "fastprop-model"`);
  const a = object(h.architecture, 'architecture', path);
  const layers = array(a.layers, 'architecture.layers', path).map((l, i): ArchitectureLayer => {
    const layer = object(l, `architecture.layers[${i}]`, path);
    if ('dropout' in layer) return { dropout: finite(layer.dropout, `layers[${i}].dropout`, path) };
    return {
      units: count(layer.units, `layers[${i}].units`, path), activation: string(layer.activation, `layers[${i}].activation`, path),
      leakySlope: finite(layer.leakySlope, `layers[${i}].leakySlope`, path), l1: finite(layer.l1, `layers[${i}].l1`, path), l2: finite(layer.l2, `layers[${i}].l2`, path),
    };
  });
  const architecture = {
    inputSize: count(a.inputSize, 'architecture.inputSize', path), layers,
    loss: string(a.loss, 'architecture.loss', path), huberDelta: finite(a.huberDelta, 'architecture.huberDelta', path), seed: finite(a.seed, 'architecture.seed', path),
  };
  const o = object(h.optimizer, 'optimizer', path);
  const optimizer = {
    kind: string(o.kind, 'optimizer.kind', path), learningRate: finite(o.learningRate, 'optimizer.learningRate', path),
    momentum: finite(o.momentum, 'optimizer.momentum', path), nesterov: boolean(o.nesterov, 'optimizer.nesterov', path),
    beta1: finite(o.beta1, 'optimizer.beta1', path), beta2: finite(o.beta2, 'optimizer.beta2', path), rho: finite(o.rho, 'optimizer.rho', path),
    epsilon: finite(o.epsilon, 'optimizer.epsilon', path), weightDecay: finite(o.weightDecay, 'optimizer.weightDecay', path),
  } as OptimizerDescription;
  const t = object(h.training, 'training', path);
  const shuffleState = array(t.shuffleState, 'training.shuffleState', path).map((w, i) => count(w, `training.shuffleState[${i}]`, path));
  if (shuffleState.length !== 4 || shuffleState.some((w) => w > 0xffffffff)) throw bad(path, 'training.shuffleState must be four uint32 words');
  const training = { step: count(t.step, 'training.step', path), epoch: count(t.epoch, 'training.epoch', path), shuffleState };
  let normalization: ModelSnapshot['normalization'] = null;
  if (h.normalization !== null) {
    const n = object(h.normalization, 'normalization', path);
    const numbers = (v: unknown, name: string) => array(v, name, path).map((x, i) => finite(x, `${name}[${i}]`, path));
    normalization = { method: string(n.method, 'normalization.method', path), shift: numbers(n.shift, 'normalization.shift'), scale: numbers(n.scale, 'normalization.scale') };
  }

  if (sections[0]?.name !== 'parameters' || sections.slice(1).some((s, i) => s.name !== `optimizer.slot.${i}`)) {
    throw bad(path, `unexpected sections ${sections.map((s) => s.name).join(', ')} (expected parameters, then optimizer.slot.0, …)`);
  }
  let offset = dataStart;
  const [parameters, ...slots] = sections.map((s) => {
    const values = bytesToFloats(bytes, offset, s.length);
    offset += 4 * s.length;
    return values;
  });
  if (slots.some((slot) => slot.length !== parameters!.length)) throw bad(path, 'an optimizer slot differs in size from the parameters');
  return { architecture, optimizer, training, normalization, parameters: parameters!, slots };
}

function object(value: unknown, name: string, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(path, `${name} must be an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, name: string, path: string): unknown[] {
  if (!Array.isArray(value)) throw bad(path, `${name} must be an array`);
  return value;
}

function string(value: unknown, name: string, path: string): string {
  if (typeof value !== 'string') throw bad(path, `${name} must be a string`);
  return value;
}

function boolean(value: unknown, name: string, path: string): boolean {
  if (typeof value !== 'boolean') throw bad(path, `${name} must be a boolean`);
  return value;
}

function finite(value: unknown, name: string, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(path, `${name} must be a finite number`);
  return value;
}

function count(value: unknown, name: string, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(path, `${name} must be a non-negative integer`);
  return value;
}
