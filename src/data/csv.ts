// SPDX-License-Identifier: MIT
/**
 * CSV files, streamed through csv-parse (delimiters and quoting are its job, not ours): feature
 * and label columns by name or index, numeric or categorical labels, every value checked.
 *
 * A bad row (wrong column count, a missing or non-numeric value, a missing label, an unknown
 * class) throws a {@link BadDataError} naming the file and line, unless `skipBadRows` is set; then
 * it is skipped and counted. Empty lines are not rows and are ignored.
 */
import { createReadStream } from 'node:fs';
import { parse, type Info } from 'csv-parse';
import { BadDataError, FastpropError } from '../errors.ts';
import { assertBoolean, assertOneOf, invalidParameter } from '../validate.ts';
import { InMemoryDataset, StreamingDataset, concatTargets, type Batch, type DatasetTargets } from './dataset.ts';
import { assertPath, BadRows, BatchRows, ioError, loaderOptions, parseDecimal, type LoaderOptions } from './files.ts';

/** A column, by header name or 0-based index. */
export type ColumnRef = string | number;

/** Options of {@link csvDataset} and {@link loadCsv}. */
export interface CsvOptions extends LoaderOptions {
  /** The label column(s): names from the header, or 0-based indices. */
  labels: ColumnRef | readonly ColumnRef[];
  /** The feature columns. @defaultValue every column that is not a label, in file order */
  features?: readonly ColumnRef[];
  /** The first line holds column names. @defaultValue true */
  header?: boolean;
  /** Field delimiter. @defaultValue ',' */
  delimiter?: string;
  /** Quote character (a quoted field may hold delimiters, newlines and doubled quotes). @defaultValue '"' */
  quote?: string;
  /**
   * The (single) label column holds class names: they become class indices (or one-hot rows).
   * Without `classes`, the class list is every distinct label, sorted, found in a first pass.
   * @defaultValue false
   */
  categorical?: boolean;
  /** The class names in index order; implies `categorical`. A label not in it is bad data. */
  classes?: readonly string[];
  /** Categorical labels as class indices (for sparse cross-entropy) or one-hot rows. @defaultValue 'index' */
  labelEncoding?: 'index' | 'oneHot';
}

const CSV_OPTIONS = ['labels', 'features', 'header', 'delimiter', 'quote', 'categorical', 'classes', 'labelEncoding'] as const;

interface Plan {
  readonly path: string;
  readonly parser: { delimiter: string; quote: string };
  readonly header: boolean;
  readonly columns: number;
  readonly names: readonly string[];
  readonly features: readonly number[];
  readonly labels: readonly number[];
  readonly categorical: boolean;
  readonly oneHot: boolean;
  readonly batchSize: number;
  readonly skipBadRows: boolean;
  readonly shuffleBuffer: number;
}

/** A streamed CSV file; see {@link csvDataset}. */
export class CsvDataset extends StreamingDataset {
  /** Names (or `column N`) of the feature columns, in order. */
  readonly featureNames: readonly string[];
  /** Names of the label columns. */
  readonly labelNames: readonly string[];
  /** The class names, in index order, for categorical labels. */
  readonly classes: readonly string[] | undefined;
  readonly #state: { skipped: number };

  /** @internal Use {@link csvDataset}. */
  constructor(plan: Plan, classes: readonly string[] | undefined) {
    const state = { skipped: 0 };
    super(() => readBatches(plan, classes, state), { shuffleBuffer: plan.shuffleBuffer });
    this.#state = state;
    this.featureNames = plan.features.map((c) => plan.names[c]!);
    this.labelNames = plan.labels.map((c) => plan.names[c]!);
    this.classes = classes;
  }

  /** Bad rows skipped by the latest complete pass (with `skipBadRows`). */
  get skippedRows(): number {
    return this.#state.skipped;
  }
}

/**
 * Opens a CSV file as a stream of batches: the file is read again for every epoch and never
 * held whole. Reads the header (and, for categorical labels without `classes`, makes a first
 * pass to find the classes) before it resolves.
 *
 * @example
 * ```ts
 * const data = await csvDataset('iris.csv', { labels: 'species', categorical: true, batchSize: 32 });
 * console.log(data.featureNames, data.classes); // [...], ['setosa', 'versicolor', 'virginica']
 * await model.fit(data, { epochs: 50 });
 * ```
 * @throws {@link FastpropError} `ERR_IO` when the file cannot be read, `ERR_INVALID_ARGUMENT` for
 * a column that is not in the file, `ERR_BAD_DATA` ({@link BadDataError}) for bad rows.
 */
export async function csvDataset(path: string, options: CsvOptions): Promise<CsvDataset> {
  const plan = await makePlan(path, options);
  let classes = options.classes ? [...options.classes] : undefined;
  if (plan.categorical && !classes) {
    const found = new Set<string>();
    for await (const row of rows(plan, { skipped: 0 })) found.add(row.label);
    classes = [...found].sort();
  }
  return new CsvDataset(plan, classes);
}

/**
 * Reads a whole CSV file into memory (streamed while reading), e.g. to split it.
 * @example
 * ```ts
 * const data = await loadCsv('houses.csv', { labels: 'price', features: ['rooms', 'area'] });
 * const { train, test } = data.split({ test: 0.2, seed: 1 });
 * ```
 * @throws as {@link csvDataset}.
 */
export async function loadCsv(path: string, options: CsvOptions): Promise<InMemoryDataset> {
  const stream = await csvDataset(path, options);
  const xs: Float32Array[] = [];
  const ys: DatasetTargets[] = [];
  for await (const batch of stream.batches()) {
    xs.push((batch.x as { data: Float32Array }).data);
    ys.push(batch.y as DatasetTargets);
  }
  if (xs.length === 0) throw new FastpropError('ERR_EMPTY_DATASET', `${path} holds no data rows`);
  const cols = stream.featureNames.length;
  const x = new Float32Array(xs.reduce((n, p) => n + p.length, 0));
  xs.reduce((at, p) => (x.set(p, at), at + p.length), 0);
  return new InMemoryDataset({ data: x, shape: [x.length / cols, cols] }, concatTargets(ys), {
    ...(stream.classes ? { classes: stream.classes } : {}),
    skippedRows: stream.skippedRows,
  });
}

async function makePlan(path: string, options: CsvOptions): Promise<Plan> {
  assertPath(path);
  // Required (labels is): undefined is named, not a TypeError.
  if (options === undefined) throw invalidParameter('CSV options', "an options object naming the label column, e.g. { labels: 'y' }", options);
  const { batchSize, skipBadRows, shuffleBuffer } = loaderOptions(options as CsvOptions & Record<string, unknown>, CSV_OPTIONS, 'CSV options');
  const { header = true, delimiter = ',', quote = '"', labelEncoding = 'index' } = options;
  assertBoolean(header, 'header');
  if (typeof delimiter !== 'string' || delimiter.length === 0) throw invalidParameter('delimiter', 'a non-empty string', delimiter);
  if (typeof quote !== 'string' || quote.length !== 1) throw invalidParameter('quote', 'one character', quote);
  assertOneOf(labelEncoding, ['index', 'oneHot'] as const, 'labelEncoding');
  if (options.classes !== undefined) {
    const classes: unknown = options.classes;
    if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string')) {
      throw invalidParameter('classes', 'a non-empty array of class names', classes);
    }
    if (new Set(classes).size !== classes.length) throw new FastpropError('ERR_INVALID_ARGUMENT', 'classes lists a class twice');
  }
  const categorical = options.categorical ?? options.classes !== undefined;
  assertBoolean(categorical, 'categorical');

  // The first record gives the column count (and names).
  const parser = { delimiter, quote };
  let first: string[] | undefined;
  for await (const { record } of records(path, parser)) {
    first = record;
    break;
  }
  if (!first) throw new FastpropError('ERR_EMPTY_DATASET', `${path} is empty`);
  const names = header ? first.map((n) => n.trim()) : first.map((_, i) => `column ${i}`);
  const resolve = (ref: unknown, what: string): number => {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0 || ref >= names.length) {
        throw new FastpropError('ERR_INVALID_ARGUMENT', `${what} column index ${ref} is outside the ${names.length} columns of ${path}`);
      }
      return ref;
    }
    if (typeof ref !== 'string') throw invalidParameter(what, 'a column name or index', ref);
    if (!header) throw new FastpropError('ERR_INVALID_ARGUMENT', `${what} column '${ref}': ${path} is read without a header, so name columns by index`);
    const index = names.indexOf(ref);
    if (index < 0) throw new FastpropError('ERR_INVALID_ARGUMENT', `${what} column '${ref}' is not in the header of ${path} (columns: ${names.join(', ')})`);
    return index;
  };
  const labelRefs: readonly unknown[] = Array.isArray(options.labels) ? options.labels : [options.labels];
  if (labelRefs.length === 0) throw invalidParameter('labels', 'at least one label column', options.labels);
  const labels = labelRefs.map((ref) => resolve(ref, 'label'));
  if (categorical && labels.length !== 1) throw new FastpropError('ERR_INVALID_ARGUMENT', 'Categorical labels need exactly one label column');
  if (options.features !== undefined && !Array.isArray(options.features)) throw invalidParameter('features', 'an array of column names or indices', options.features);
  const features = options.features
    ? (options.features as readonly unknown[]).map((ref) => resolve(ref, 'feature'))
    : names.map((_, i) => i).filter((i) => !labels.includes(i));
  if (features.length === 0) throw new FastpropError('ERR_INVALID_ARGUMENT', `No feature columns left in ${path}`);
  const overlap = features.find((f) => labels.includes(f));
  if (overlap !== undefined) throw new FastpropError('ERR_INVALID_ARGUMENT', `Column '${names[overlap]}' is both a feature and a label`);
  return {
    path, parser, header, columns: names.length, names, features, labels, categorical,
    oneHot: labelEncoding === 'oneHot', batchSize, skipBadRows, shuffleBuffer,
  };
}

async function* records(path: string, parser: { delimiter: string; quote: string }): AsyncGenerator<{ record: string[]; info: Info }> {
  const input = createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (cause) {
    throw ioError(path, 'read', cause);
  }
  const csv = input.pipe(parse({ ...parser, info: true, relax_column_count: true, skip_empty_lines: true }));
  input.once('error', (cause) => csv.destroy(ioError(path, 'read', cause)));
  try {
    for await (const entry of csv as AsyncIterable<{ record: string[]; info: Info }>) yield entry;
  } catch (cause) {
    if (cause instanceof FastpropError) throw cause;
    const line = (cause as { lines?: unknown }).lines;
    throw new BadDataError(path, typeof line === 'number' ? { line } : {}, `not valid CSV: ${(cause as Error).message}`, { cause });
  } finally {
    input.destroy();
  }
}

interface Row {
  readonly line: number;
  readonly x: Float32Array;
  /** The label text (categorical) or the parsed label values. */
  readonly label: string;
  readonly y: Float64Array;
}

/** The file's good rows, each checked; bad ones throw or are counted in `state.skipped`. */
async function* rows(plan: Plan, state: { skipped: number }): AsyncGenerator<Row> {
  const bad = new BadRows(plan.skipBadRows);
  let headerSkipped = !plan.header;
  for await (const { record, info } of records(plan.path, plan.parser)) {
    if (!headerSkipped) {
      headerSkipped = true;
      continue;
    }
    const line = info.lines;
    const row = parseRow(plan, record, line);
    if (row instanceof BadDataError) bad.handle(row);
    else yield row;
  }
  state.skipped = bad.count;
}

function parseRow(plan: Plan, record: readonly string[], line: number): Row | BadDataError {
  const fail = (problem: string) => new BadDataError(plan.path, { line }, problem);
  if (record.length !== plan.columns) return fail(`expected ${plan.columns} columns, got ${record.length}`);
  const x = new Float32Array(plan.features.length);
  for (let i = 0; i < plan.features.length; i++) {
    const c = plan.features[i]!;
    const text = record[c]!;
    if (text.trim() === '') return fail(`missing value in column '${plan.names[c]}'`);
    const value = parseDecimal(text);
    if (value === undefined) return fail(`non-numeric value '${text}' in column '${plan.names[c]}'`);
    x[i] = value;
  }
  const y = new Float64Array(plan.categorical ? 0 : plan.labels.length);
  let label = '';
  for (let i = 0; i < plan.labels.length; i++) {
    const c = plan.labels[i]!;
    const text = record[c]!;
    if (text.trim() === '') return fail(`missing label in column '${plan.names[c]}'`);
    if (plan.categorical) {
      label = text.trim();
      continue;
    }
    const value = parseDecimal(text);
    if (value === undefined) return fail(`non-numeric label '${text}' in column '${plan.names[c]}' (help: pass categorical: true for class names)`);
    y[i] = value;
  }
  return { line, x, label, y };
}

async function* readBatches(plan: Plan, classes: readonly string[] | undefined, state: { skipped: number }): AsyncGenerator<Batch> {
  const classIndex = new Map(classes?.map((c, i) => [c, i]));
  const bad = new BadRows(plan.skipBadRows);
  const features = plan.features.length;
  const outputs = plan.categorical ? (plan.oneHot ? classIndex.size : 1) : plan.labels.length;
  const batch = new BatchRows(plan.batchSize, features, outputs);
  const flush = (): Batch => {
    const { x, y, rows: n } = batch.take();
    return {
      x: { data: x, shape: [n, features] },
      y: plan.categorical && !plan.oneHot ? Int32Array.from(y) : outputs === 1 ? y : { data: y, shape: [n, outputs] },
    };
  };
  const inner = { skipped: 0 };
  for await (const row of rows(plan, inner)) {
    if (plan.categorical) {
      const index = classIndex.get(row.label);
      if (index === undefined) {
        bad.handle(new BadDataError(plan.path, { line: row.line }, `unknown class '${row.label}' in column '${plan.names[plan.labels[0]!]}' (classes: ${[...classIndex.keys()].join(', ')})`));
        continue;
      }
      const n = batch.reserve(); // before reading batch.y: reserving may replace it
      if (plan.oneHot) batch.y[n * outputs + index] = 1;
      else batch.y[n] = index;
      batch.x.set(row.x, n * features);
    } else {
      const n = batch.reserve();
      batch.y.set(row.y, n * outputs);
      batch.x.set(row.x, n * features);
    }
    if (batch.added()) yield flush();
  }
  if (batch.rows > 0) yield flush();
  state.skipped = inner.skipped + bad.count;
}
