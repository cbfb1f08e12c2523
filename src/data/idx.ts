// SPDX-License-Identifier: MIT
/**
 * IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), plain
 * or gzip-compressed (detected by the gzip magic bytes 1f 8b, not by the file name), streamed.
 *
 * Layout: magic 00 00 TT DD (TT the element type, DD the number of dimensions), DD big-endian
 * uint32 dimensions, then the elements, big-endian, row-major. Types: 08 uint8, 09 int8,
 * 0B int16, 0C int32, 0D float32, 0E float64.
 *
 * Every size is checked against the data: a plain file's length must be exactly what its header
 * says; a gzipped one is checked as it inflates (truncated, trailing bytes, corrupt stream), and
 * its header must not announce more than its size could inflate to (deflate's 1032:1 at most).
 * Offsets in errors count bytes of the IDX data (after decompression, for gzip).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { BadDataError, FastpropError } from '../errors.ts';
import { assertFiniteNumber, assertOptions, assertPositiveInteger, invalidParameter } from '../validate.ts';
import { InMemoryDataset, StreamingDataset, type Batch } from './dataset.ts';
import { assertPath, ioError } from './files.ts';

const TYPES: Readonly<Record<number, { name: string; size: number; read: (view: DataView, at: number) => number }>> = {
  0x08: { name: 'uint8', size: 1, read: (v, at) => v.getUint8(at) },
  0x09: { name: 'int8', size: 1, read: (v, at) => v.getInt8(at) },
  0x0b: { name: 'int16', size: 2, read: (v, at) => v.getInt16(at) },
  0x0c: { name: 'int32', size: 4, read: (v, at) => v.getInt32(at) },
  0x0d: { name: 'float32', size: 4, read: (v, at) => v.getFloat32(at) },
  0x0e: { name: 'float64', size: 8, read: (v, at) => v.getFloat64(at) },
};

/** Deflate's largest possible compression ratio (a 258-byte match in 2 bits): a gzip file inflates to at most this many times its size. */
const MAX_DEFLATE_RATIO = 1032;

/** What an IDX header says. */
export interface IdxHeader {
  /** Element type: 'uint8', 'int8', 'int16', 'int32', 'float32' or 'float64'. */
  readonly type: string;
  /** Dimensions, the first being the number of records (e.g. [60000, 28, 28]). */
  readonly dims: readonly number[];
  /** Whether the file is gzip-compressed. */
  readonly gzip: boolean;
}

/** Reads exact byte counts from a (possibly inflating) stream, tracking the offset. */
class ByteReader {
  readonly #chunks: AsyncIterator<Buffer>;
  #pending: Buffer = Buffer.alloc(0);
  /** Bytes of IDX data consumed so far. */
  offset = 0;

  readonly #destroy: () => void;

  constructor(stream: AsyncIterable<Buffer>, destroy: () => void) {
    this.#chunks = stream[Symbol.asyncIterator]();
    this.#destroy = destroy;
  }

  /** Exactly n bytes, or fewer when the data ends first. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      if (this.#pending.length === 0) {
        const next = await this.#chunks.next();
        if (next.done) break;
        this.#pending = next.value;
      }
      const take = this.#pending.subarray(0, n - have);
      this.#pending = this.#pending.subarray(take.length);
      parts.push(take);
      have += take.length;
    }
    this.offset += have;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
  }

  /** True when no data is left. */
  async atEnd(): Promise<boolean> {
    if (this.#pending.length > 0) return false;
    const next = await this.#chunks.next();
    if (next.done) return true;
    this.#pending = next.value;
    return this.#pending.length === 0 ? this.atEnd() : false;
  }

  async close(): Promise<void> {
    this.#destroy();
    await this.#chunks.return?.().catch(() => undefined);
  }
}

/** An open IDX file: its header, then records on demand. */
class IdxFile {
  readonly path: string;
  readonly header: IdxHeader;
  readonly #reader: ByteReader;
  readonly #recordBytes: number;
  readonly #dataStart: number;
  #records = 0;

  private constructor(path: string, header: IdxHeader, reader: ByteReader, dataStart: number) {
    this.path = path;
    this.header = header;
    this.#reader = reader;
    this.#dataStart = dataStart;
    this.#recordBytes = header.dims.slice(1).reduce((a, b) => a * b, 1) * TYPES[typeCode(header.type)]!.size;
  }

  static async open(path: string): Promise<IdxFile> {
    assertPath(path);
    let size: number;
    let gzip: boolean;
    try {
      const handle = await open(path, 'r');
      try {
        size = (await handle.stat()).size;
        const magic = Buffer.alloc(2);
        await handle.read(magic, 0, 2, 0);
        gzip = size >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
      } finally {
        await handle.close();
      }
    } catch (cause) {
      throw ioError(path, 'read', cause);
    }
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    let compressedRead = 0;
    let source: NodeJS.ReadableStream & AsyncIterable<Buffer> = file;
    if (gzip) {
      // Counting bytes through the pipe (a 'data' listener on a piped stream adds no flow of its own).
      file.on('data', (chunk: string | Buffer) => void (compressedRead += chunk.length));
      const gunzip = createGunzip({ chunkSize: 1 << 20 });
      file.once('error', (cause) => gunzip.destroy(cause));
      source = file.pipe(gunzip);
    }
    const reader = new ByteReader(guard(source, path, gzip, () => compressedRead), () => file.destroy());
    try {
      const head = await reader.read(4);
      if (head.length < 4 || head[0] !== 0 || head[1] !== 0 || !(head[2]! in TYPES) || head[3] === 0) {
        const bytes = [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
        throw new BadDataError(path, { offset: 0 }, `not an IDX file: the magic number is ${bytes || 'missing'} (expected 00 00 then a type code 08, 09, 0b, 0c, 0d or 0e and a dimension count)`);
      }
      const count = head[3]!;
      const dimsBytes = await reader.read(4 * count);
      if (dimsBytes.length < 4 * count) throw new BadDataError(path, { offset: reader.offset }, `truncated: the header announces ${count} dimensions but the data ends at byte ${reader.offset}`);
      const dims = Array.from({ length: count }, (_, i) => dimsBytes.readUInt32BE(4 * i));
      const type = TYPES[head[2]!]!;
      const dataStart = 4 + 4 * count;
      const expected = dataStart + dims.reduce((a, b) => a * b, 1) * type.size;
      if (!gzip && size !== expected) {
        throw new BadDataError(path, { offset: Math.min(size, expected) },
          `size mismatch: the header (${dims.join(' × ')} ${type.name}) needs ${expected} bytes, the file has ${size}` +
          (size < expected ? ' (truncated)' : ' (trailing bytes)'));
      }
      // A gzipped file is checked as it inflates, but what is allocated for it comes from the
      // header first: refuse a header announcing more than the file could possibly inflate to.
      if (gzip && expected > MAX_DEFLATE_RATIO * size) {
        throw new BadDataError(path, { offset: 4 },
          `size mismatch: the header (${dims.join(' × ')} ${type.name}) needs ${expected} bytes, more than a ${size}-byte gzip file can inflate to ` +
          `(deflate compresses at most ${MAX_DEFLATE_RATIO}:1): the header is corrupt or the file truncated`);
      }
      return new IdxFile(path, { type: type.name, dims, gzip }, reader, dataStart);
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  /** Number of records (the first dimension). */
  get records(): number {
    return this.header.dims[0]!;
  }

  /** Values per record (product of the other dimensions). */
  get valuesPerRecord(): number {
    return this.header.dims.slice(1).reduce((a, b) => a * b, 1);
  }

  /** The next `count` records' values, converted to numbers, into `out` from `at`. */
  async readInto(count: number, out: Float32Array | Int32Array, at: number, scale: number): Promise<void> {
    const bytes = await this.#reader.read(count * this.#recordBytes);
    if (bytes.length < count * this.#recordBytes) {
      throw new BadDataError(this.path, { offset: this.#reader.offset },
        `truncated: the header announces ${this.records} records but the data ends inside record ${this.#records + Math.floor(bytes.length / this.#recordBytes)}`);
    }
    const type = TYPES[typeCode(this.header.type)]!;
    if (type.size === 1 && type.name === 'uint8') {
      if (scale === 1) out.set(bytes, at);
      else for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]! * scale;
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const n = bytes.length / type.size;
      for (let i = 0; i < n; i++) out[at + i] = type.read(view, i * type.size) * scale;
    }
    this.#records += count;
    if (this.#records === this.records && !(await this.#reader.atEnd())) {
      throw new BadDataError(this.path, { offset: this.#reader.offset }, `trailing bytes after the ${this.records} records the header announces`);
    }
  }

  async close(): Promise<void> {
    await this.#reader.close();
  }

  /** Byte offset of the record data (after the header). */
  get dataStart(): number {
    return this.#dataStart;
  }
}

function typeCode(name: string): number {
  return Number(Object.keys(TYPES).find((k) => TYPES[Number(k)]!.name === name));
}

/** Re-throws stream errors (zlib, file system) as errors naming the file. */
async function* guard(stream: AsyncIterable<Buffer>, path: string, gzip: boolean, compressedRead: () => number): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (cause) {
    if (cause instanceof FastpropError) throw cause;
    const code = (cause as { code?: string }).code;
    if (gzip && code === 'Z_BUF_ERROR') {
      throw new BadDataError(path, { offset: compressedRead() }, 'truncated gzip stream: the compressed data ends early (offset is in the compressed file)', { cause });
    }
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new BadDataError(path, { offset: compressedRead() }, `corrupt gzip data (${(cause as Error).message}) near this offset of the compressed file`, { cause });
    }
    throw ioError(path, 'read', cause);
  }
}

/** Options of {@link idxDataset} and {@link loadIdx}. */
export interface IdxOptions {
  /** The IDX file of inputs, e.g. `train-images-idx3-ubyte.gz`; each record becomes one row. */
  images: string;
  /** The IDX file of labels (1-D), e.g. `train-labels-idx1-ubyte.gz`. */
  labels: string;
  /** Every input value is multiplied by this (1/255 maps bytes to [0, 1]). @defaultValue 1 */
  scale?: number;
  /** Rows per streamed batch. @defaultValue 1024 */
  batchSize?: number;
  /** {@link idxDataset}: rows in the shuffle buffer fit draws training rows from. @defaultValue 0 */
  shuffleBuffer?: number;
}

const IDX_OPTIONS = ['images', 'labels', 'scale', 'batchSize', 'shuffleBuffer'] as const;

/** The options are required (images and labels are): undefined is named, not a TypeError. */
function checkIdxOptions(options: unknown): asserts options is IdxOptions {
  if (options === undefined) throw invalidParameter('IDX options', "an options object { images, labels, … }", options);
  assertOptions(options, IDX_OPTIONS, 'IDX options');
}

async function openPair(options: IdxOptions): Promise<{ images: IdxFile; labels: IdxFile; scale: number; batchSize: number }> {
  checkIdxOptions(options);
  const { scale = 1, batchSize = 1024 } = options;
  assertFiniteNumber(scale, 'scale');
  assertPositiveInteger(batchSize, 'batchSize');
  const images = await IdxFile.open(options.images);
  let labels: IdxFile;
  try {
    labels = await IdxFile.open(options.labels);
  } catch (error) {
    await images.close();
    throw error;
  }
  const problem = labels.header.dims.length !== 1 ? `${options.labels} is not a label file: it has ${labels.header.dims.length} dimensions (expected 1)`
    : !['uint8', 'int8', 'int16', 'int32'].includes(labels.header.type) ? `${options.labels} holds ${labels.header.type} values: class labels must be integers`
    : labels.records !== images.records ? `${options.images} holds ${images.records} records but ${options.labels} holds ${labels.records} labels`
    : images.records === 0 ? `${options.images} holds no records` : undefined;
  if (problem) {
    await Promise.all([images.close(), labels.close()]);
    throw new FastpropError(images.records === 0 ? 'ERR_EMPTY_DATASET' : 'ERR_BAD_DATA', problem);
  }
  return { images, labels, scale, batchSize };
}

/**
 * Reads an images file and its labels file in step, as a stream of batches (both files are read
 * again for every epoch; neither is held whole).
 * @example
 * ```ts
 * const dir = '/usr/share/datasets/fashion-mnist';
 * const train = idxDataset({ images: `${dir}/train-images-idx3-ubyte.gz`, labels: `${dir}/train-labels-idx1-ubyte.gz`, scale: 1 / 255 });
 * await model.fit(train, { epochs: 10, batchSize: 64 });
 * ```
 * @throws {@link FastpropError} when a pass runs: `ERR_IO`, or `ERR_BAD_DATA` ({@link BadDataError}) for a
 * wrong magic number, a size mismatch, a truncated or corrupt gzip stream, or files that disagree on the record count.
 */
export function idxDataset(options: IdxOptions): StreamingDataset {
  checkIdxOptions(options);
  return new StreamingDataset(() => readBatches(options), { shuffleBuffer: options.shuffleBuffer ?? 0 });
}

async function* readBatches(options: IdxOptions): AsyncGenerator<Batch> {
  const { images, labels, scale, batchSize } = await openPair(options);
  try {
    const features = images.valuesPerRecord;
    for (let start = 0; start < images.records; start += batchSize) {
      const n = Math.min(batchSize, images.records - start);
      const x = new Float32Array(n * features);
      const y = new Int32Array(n);
      await images.readInto(n, x, 0, scale);
      await labels.readInto(n, y, 0, 1);
      yield { x: { data: x, shape: [n, features] }, y };
    }
  } finally {
    await Promise.all([images.close(), labels.close()]);
  }
}

/**
 * Reads an images file and its labels file whole (streamed while reading) into memory.
 * @example
 * ```ts
 * const test = await loadIdx({ images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz', scale: 1 / 255 });
 * model.evaluate(test.x, test.y);
 * ```
 * @throws as {@link idxDataset}.
 */
export async function loadIdx(options: IdxOptions): Promise<InMemoryDataset> {
  const { images, labels, scale } = await openPair(options);
  try {
    const rows = images.records;
    const features = images.valuesPerRecord;
    const x = new Float32Array(rows * features);
    const y = new Int32Array(rows);
    const step = 4096;
    for (let start = 0; start < rows; start += step) {
      const n = Math.min(step, rows - start);
      await images.readInto(n, x, start * features, scale);
    }
    await labels.readInto(rows, y, 0, 1);
    return new InMemoryDataset({ data: x, shape: [rows, features] }, y);
  } finally {
    await Promise.all([images.close(), labels.close()]);
  }
}

/**
 * Reads one IDX file's header (and checks its size, for a plain file, or that it could hold that
 * much, for a gzipped one) without reading its data.
 * @throws as {@link idxDataset}.
 */
export async function readIdxHeader(path: string): Promise<IdxHeader> {
  const file = await IdxFile.open(path);
  await file.close();
  return file.header;
}
