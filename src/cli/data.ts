// SPDX-License-Identifier: MIT
/**
 * Data for `train` and `evaluate`: a CSV file, a pair of IDX files, or (by default) the 10,000
 * MNIST digits of the `mnist` package, read whole into memory, and the targets shaped for the
 * chosen loss (class indices, one-hot rows, 0/1 values or numbers).
 * @internal
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadCsv } from '../data/csv.ts';
import { InMemoryDataset, type DatasetTargets, type FlatMatrix } from '../data/dataset.ts';
import { loadIdx, readIdxHeader } from '../data/idx.ts';
import { loadMnistDigits } from '../data/mnist.ts';
import type { Activation, Loss } from '../spec.ts';
import type { TargetData } from '../tensor.ts';
import { CliError, finiteNumber, nameList } from './common.ts';

/** The data flags as commander parses them. */
export interface DataFlags {
  csv?: string;
  label?: string[];
  features?: string[];
  header?: boolean;
  delimiter?: string;
  classes?: string[];
  categorical?: boolean;
  skipBadRows?: boolean;
  idx?: string[];
  scale?: number;
}

/** How the data was read, as the run file records it (so `evaluate` can read more data the same way). */
export interface DataDescription {
  readonly source: 'mnist' | 'csv' | 'idx';
  readonly files: readonly string[];
  readonly label?: readonly string[];
  readonly features?: readonly string[];
  readonly header?: boolean;
  readonly delimiter?: string;
  readonly classes?: readonly string[];
  readonly scale?: number;
}

/** Data in memory, with what it is. */
export interface LoadedData {
  readonly description: DataDescription;
  readonly dataset: InMemoryDataset;
  /** Class names when the targets are class indices (Int32Array), in index order. */
  readonly classes: readonly string[] | undefined;
  /** For messages: `10,000 digits of the mnist package`. */
  readonly summary: string;
}

/** Adds the data flags to a subcommand. */
export function addDataOptions(command: Command): Command {
  return command
    .option('--csv <file>', 'read the data from a CSV file')
    .option('--label <columns>', 'CSV: the label column(s), comma-separated; names from the header, or 0-based indices with --no-header', nameList)
    .option('--features <columns>', 'CSV: the feature columns (default: every column that is not a label)', nameList)
    .option('--header', 'CSV: the first line holds column names (the default)')
    .option('--no-header', 'CSV: the first line is data, not column names')
    .option('--delimiter <char>', 'CSV: the field delimiter (default: ,)')
    .option('--classes <names>', 'CSV: the label column holds these class names (comma-separated, in class-index order)', nameList)
    .option('--categorical', 'CSV: the label column holds class names; the classes are every distinct one, sorted')
    .option('--skip-bad-rows', 'CSV: skip rows with bad values instead of stopping (they are counted)')
    .addOption(new Option('--idx <files...>', 'read IDX files (plain or gzip): IMAGES LABELS, e.g. train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz'))
    .option('--scale <factor>', 'IDX: multiply every input by this (default: 1/255 for uint8 images, else 1)', finiteNumber);
}

/** Column references: names with a header, 0-based indices without one. */
function columnRefs(names: readonly string[], header: boolean, flag: string): (string | number)[] {
  return names.map((name) => {
    if (header) return name;
    if (!/^\d+$/.test(name)) throw new CliError(`${flag} '${name}': the CSV is read with --no-header, so name columns by 0-based index`);
    return Number(name);
  });
}

/**
 * Reads the data the flags name. `defaults` (from a run file) fill in CSV details the flags leave
 * out, so `evaluate model.fprop --csv test.csv` reads test.csv as the training CSV was read.
 */
export async function loadData(flags: DataFlags, defaults?: DataDescription): Promise<LoadedData> {
  if (flags.csv !== undefined && flags.idx !== undefined) throw new CliError('pass --csv or --idx, not both');
  const csvOnly = (['label', 'features', 'classes', 'categorical', 'skipBadRows'] as const).find((k) => flags[k] !== undefined);
  if (flags.csv === undefined && csvOnly) throw new CliError(`--${csvOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to --csv data only`);
  if (flags.idx === undefined && flags.scale !== undefined) throw new CliError('--scale applies to --idx data only');

  if (flags.csv !== undefined) {
    const fromRun = defaults?.source === 'csv' ? defaults : undefined;
    const header = flags.header ?? fromRun?.header ?? true;
    const delimiter = flags.delimiter ?? fromRun?.delimiter ?? ',';
    const labelNames = flags.label ?? fromRun?.label;
    if (!labelNames) throw new CliError('--csv needs --label COLUMN (the column to predict)');
    const featureNames = flags.features ?? fromRun?.features;
    const classes = flags.classes ?? fromRun?.classes;
    if (flags.categorical && flags.classes) throw new CliError('pass --classes or --categorical, not both (--classes implies categorical labels)');
    const categorical = flags.categorical === true || classes !== undefined;
    if (categorical && labelNames.length !== 1) throw new CliError('class labels (--classes, --categorical) need exactly one --label column');
    const dataset = await loadCsv(flags.csv, {
      labels: columnRefs(labelNames, header, '--label'),
      ...(featureNames ? { features: columnRefs(featureNames, header, '--features') } : {}),
      header,
      delimiter,
      ...(categorical ? { categorical: true } : {}),
      ...(classes ? { classes } : {}),
      ...(flags.skipBadRows ? { skipBadRows: true } : {}),
      batchSize: 4096,
    }).catch((error: unknown) => {
      // The library's hint names its option; on the command line it is a flag.
      if (error instanceof Error) error.message = error.message.replace('pass categorical: true', 'pass --categorical');
      throw error;
    });
    const rows = dataset.rows;
    return {
      description: {
        source: 'csv', files: [flags.csv], label: labelNames, ...(featureNames ? { features: featureNames } : {}), header, delimiter,
        ...(dataset.classes ? { classes: dataset.classes } : {}),
      },
      dataset,
      classes: dataset.classes,
      summary: `${rows.toLocaleString('en-US')} rows of ${flags.csv}${dataset.skippedRows ? ` (${dataset.skippedRows} bad rows skipped)` : ''}`,
    };
  }

  if (flags.idx !== undefined) {
    if (flags.idx.length !== 2) throw new CliError(`--idx takes two files, IMAGES LABELS; got ${flags.idx.length}`);
    const [images, labels] = flags.idx as [string, string];
    const scale = flags.scale ?? (defaults?.source === 'idx' ? defaults.scale : undefined) ?? ((await readIdxHeader(images)).type === 'uint8' ? 1 / 255 : 1);
    const dataset = await loadIdx({ images, labels, scale });
    const classes = classNames(dataset.y as Int32Array, defaults?.classes);
    return {
      description: { source: 'idx', files: [images, labels], scale, classes },
      dataset,
      classes,
      summary: `${dataset.rows.toLocaleString('en-US')} records of ${images}`,
    };
  }

  const { train } = loadMnistDigits({ testFraction: 0, seed: 0 });
  const dataset = new InMemoryDataset(train.x, train.labels);
  return {
    description: { source: 'mnist', files: [] },
    dataset,
    classes: classNames(train.labels),
    summary: `${dataset.rows.toLocaleString('en-US')} MNIST digits of the mnist package`,
  };
}

/** Names `0`…`K−1` for integer labels (at least the known ones). */
function classNames(labels: Int32Array, known?: readonly string[]): string[] {
  let max = (known?.length ?? 0) - 1;
  for (const label of labels) if (label > max) max = label;
  return Array.from({ length: Math.max(max + 1, 2) }, (_, i) => known?.[i] ?? String(i));
}

/** The output layer and targets for a loss, given the data's labels. */
export interface OutputPlan {
  readonly units: number;
  readonly activation: Activation;
  readonly y: TargetData;
  /** Class names when the model predicts classes (softmax, or sigmoid over two classes). */
  readonly classes: readonly string[] | undefined;
}

const REGRESSION: readonly Loss[] = ['meanSquaredError', 'halfSquaredError', 'meanAbsoluteError', 'huber'];

/** The loss to use when none is given: cross-entropy for class labels, mean squared error for numbers. */
export function defaultLoss(data: LoadedData): Loss {
  return data.classes ? 'sparseCategoricalCrossEntropy' : 'meanSquaredError';
}

/**
 * Shapes the targets for `loss` and says what the output layer must be.
 * @throws {@link CliError} when the loss cannot fit these labels (numbers for cross-entropy, classes for a regression loss).
 */
export function planOutputs(loss: Loss, data: LoadedData): OutputPlan {
  const y = data.dataset.y;
  if (data.classes) {
    const labels = y as Int32Array;
    const k = data.classes.length;
    switch (loss) {
      case 'sparseCategoricalCrossEntropy': return { units: k, activation: 'softmax', y: labels, classes: data.classes };
      case 'categoricalCrossEntropy': {
        const oneHot = new Float32Array(labels.length * k);
        labels.forEach((label, r) => (oneHot[r * k + label] = 1));
        return { units: k, activation: 'softmax', y: { data: oneHot, shape: [labels.length, k] }, classes: data.classes };
      }
      case 'binaryCrossEntropy':
        if (k !== 2) throw new CliError(`--loss binaryCrossEntropy needs two classes; the labels have ${k} (${preview(data.classes)}): use sparseCategoricalCrossEntropy`);
        return { units: 1, activation: 'sigmoid', y: Float32Array.from(labels), classes: data.classes };
      default:
        throw new CliError(`--loss ${loss} needs numeric labels, but the labels are classes (${preview(data.classes)}): use sparseCategoricalCrossEntropy`);
    }
  }
  const columns = columnsOf(y);
  if (REGRESSION.includes(loss)) return { units: columns, activation: 'linear', y, classes: undefined };
  if (loss === 'binaryCrossEntropy') {
    const values = ArrayBuffer.isView(y) ? y : y.data;
    const bad = values.findIndex((v) => v < 0 || v > 1);
    if (bad >= 0) throw new CliError(`--loss binaryCrossEntropy needs labels from 0 to 1; row ${Math.floor(bad / columns) + 1} has ${Number(values[bad]!.toPrecision(7))}`);
    return { units: columns, activation: 'sigmoid', y, classes: columns === 1 ? ['0', '1'] : undefined };
  }
  if (loss === 'categoricalCrossEntropy') {
    if (columns < 2) throw new CliError('--loss categoricalCrossEntropy needs one-hot labels (several --label columns); for one column of class numbers use sparseCategoricalCrossEntropy');
    return { units: columns, activation: 'softmax', y, classes: undefined };
  }
  // sparseCategoricalCrossEntropy on a numeric column: the numbers must be class indices.
  if (columns !== 1) throw new CliError('--loss sparseCategoricalCrossEntropy needs one --label column of class indices');
  const values = y as Float32Array;
  const labels = new Int32Array(values.length);
  let max = 1;
  values.forEach((v, r) => {
    if (!Number.isInteger(v) || v < 0) throw new CliError(`--loss sparseCategoricalCrossEntropy needs class indices 0, 1, 2, …; row ${r + 1} has ${Number(v.toPrecision(7))} (help: --categorical reads the column as class names)`);
    labels[r] = v;
    if (v > max) max = v;
  });
  const classes = Array.from({ length: max + 1 }, (_, i) => String(i));
  return { units: max + 1, activation: 'softmax', y: labels, classes };
}

function columnsOf(y: DatasetTargets): number {
  return ArrayBuffer.isView(y) ? 1 : (y as FlatMatrix).shape[1];
}

function preview(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 4).join(', ')}, … ${names.at(-1)}`;
}
