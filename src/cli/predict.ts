// SPDX-License-Identifier: MIT
/**
 * `fastprop predict MODEL INPUT`: runs a model on rows read from CSV, JSON or JSON Lines (a file,
 * or `-` for stdin) and writes the predictions as CSV, JSON or JSON Lines (stdout, or --out).
 *
 * Classifiers write the predicted class and each class's probability (class names from the run
 * file beside the model, else class indices); regressions write their outputs (named after the
 * training label columns when known). A CSV with a header may hold more columns than the model
 * takes: the training label columns are dropped, or --features picks the inputs.
 * @internal
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { parse } from 'csv-parse/sync';
import { BadDataError, FastpropError } from '../errors.ts';
import { ioError, parseDecimal } from '../data/files.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { Sequential } from '../model.ts';
import { inputSize, outputSize } from '../spec.ts';
import { CliError, nameList, positiveInteger } from './common.ts';
import { readRunFile, type RunRecord } from './run-file.ts';

const FORMATS = ['csv', 'json', 'jsonl'] as const;
type Format = (typeof FORMATS)[number];

interface PredictFlags {
  out?: string;
  format?: Format;
  inputFormat?: Format;
  features?: string[];
  header?: boolean;
  delimiter?: string;
  threads?: number;
}

export function predictCommand(): Command {
  return new Command('predict')
    .summary('run a model on rows from CSV or JSON; write CSV or JSON')
    .description(
      'Run a model on rows of inputs and write its predictions.\n' +
        'INPUT is a CSV file (header by default), a JSON file (an array of rows: [[…], …] or [{"x": […]}, …]) or a JSON Lines file (one row, […] or {"x": […]}, per line); `-` reads stdin.\n' +
        'Classifiers write the predicted class and every class probability; regressions write their outputs.',
    )
    .argument('<model>', 'a model file written by fastprop train or Sequential.save')
    .argument('<input>', "rows to predict: a .csv, .json or .jsonl file, or '-' for stdin")
    .option('--out <file>', 'write the predictions here instead of stdout')
    .addOption(new Option('--format <format>', 'output format (default: from --out\'s extension, else csv)').choices(FORMATS))
    .addOption(new Option('--input-format <format>', "input format (default: from the input's extension, else csv)").choices(FORMATS))
    .option('--features <columns>', 'CSV: the input columns (names, or 0-based indices with --no-header); default: all but the training label columns', nameList)
    .option('--header', 'CSV: the first line holds column names (the default)')
    .option('--no-header', 'CSV: the first line is data')
    .option('--delimiter <char>', 'CSV: the field delimiter (default: ,)')
    .option('--threads <n>', 'GEMM threads', positiveInteger)
    .action(async (modelPath: string, input: string, flags: PredictFlags) => {
      await predict(modelPath, input, flags);
    });
}

function formatOf(path: string | undefined): Format | undefined {
  const ext = path ? extname(path).toLowerCase().slice(1) : '';
  return ext === 'csv' || ext === 'json' || ext === 'jsonl' ? ext : ext === 'ndjson' ? 'jsonl' : undefined;
}

async function readInput(input: string): Promise<string> {
  if (input === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(input, 'utf8');
  } catch (cause) {
    throw ioError(input, 'read', cause);
  }
}

/** Rows of numbers from CSV text, picking the input columns. */
function csvRows(text: string, name: string, flags: PredictFlags, run: RunRecord | undefined, width: number): number[][] {
  let records: string[][];
  try {
    records = parse(text, { delimiter: flags.delimiter ?? (run?.data.source === 'csv' ? run.data.delimiter : undefined) ?? ',', relax_column_count: true, skip_empty_lines: true });
  } catch (cause) {
    const line = (cause as { lines?: unknown }).lines;
    throw new BadDataError(name, typeof line === 'number' ? { line } : {}, `not valid CSV: ${(cause as Error).message}`);
  }
  const header = flags.header ?? (run?.data.source === 'csv' ? run.data.header : undefined) ?? true;
  const names = header ? (records.shift() ?? []).map((s) => s.trim()) : undefined;
  const columnCount = names?.length ?? records[0]?.length ?? 0;
  let columns: number[];
  const resolve = (ref: string): number => {
    if (names) {
      const index = names.indexOf(ref);
      if (index < 0) throw new CliError(`column '${ref}' is not in the header of ${name} (columns: ${names.join(', ')})`);
      return index;
    }
    if (!/^\d+$/.test(ref) || Number(ref) >= columnCount) throw new CliError(`column '${ref}': ${name} has no header, so name columns by 0-based index below ${columnCount}`);
    return Number(ref);
  };
  if (flags.features) columns = flags.features.map(resolve);
  else if (names && run?.data.source === 'csv' && run.data.features) columns = run.data.features.map(resolve);
  else if (names && run?.data.source === 'csv' && run.data.label) {
    const labels = new Set(run.data.label);
    columns = names.map((_, i) => i).filter((i) => !labels.has(names[i]!));
  } else columns = Array.from({ length: columnCount }, (_, i) => i);
  if (columns.length !== width) {
    const which = names ? columns.map((c) => names[c]).join(', ') : `${columns.length} columns`;
    throw new CliError(`the model takes ${width} inputs but ${name} gives ${columns.length} (${which}); pick the input columns with --features`);
  }
  const firstLine = header ? 2 : 1;
  return records.map((record, r) => {
    if (record.length !== columnCount) throw new BadDataError(name, { line: r + firstLine }, `expected ${columnCount} columns, got ${record.length}`);
    return columns.map((c) => {
      const value = parseDecimal(record[c]!);
      if (value === undefined) throw new BadDataError(name, { line: r + firstLine }, `non-numeric value '${record[c]}'${names ? ` in column '${names[c]}'` : ''}`);
      return value;
    });
  });
}

/** One row from a parsed JSON value: an array of numbers, or an object with an `x` array. */
function jsonRow(value: unknown, name: string, where: { line?: number }, index: number): number[] {
  const row = Array.isArray(value) ? value : typeof value === 'object' && value !== null && Array.isArray((value as { x?: unknown }).x) ? (value as { x: unknown[] }).x : undefined;
  const at = where.line !== undefined ? where : {};
  const label = where.line !== undefined ? '' : `row ${index + 1}: `;
  if (!row) throw new BadDataError(name, at, `${label}expected an array of numbers or an object {"x": [numbers]}`);
  const bad = row.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) throw new BadDataError(name, at, `${label}value ${bad} is ${JSON.stringify(row[bad])}, not a finite number`);
  return row as number[];
}

function jsonRows(text: string, name: string): number[][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new BadDataError(name, {}, `not valid JSON (${(cause as Error).message})`);
  }
  const rows = Array.isArray(value) ? value : typeof value === 'object' && value !== null && Array.isArray((value as { x?: unknown }).x) ? (value as { x: unknown[] }).x : undefined;
  if (!rows) throw new BadDataError(name, {}, 'expected an array of rows, or {"x": [rows]}');
  return rows.map((row, i) => jsonRow(row, name, {}, i));
}

function jsonlRows(text: string, name: string): number[][] {
  const rows: number[][] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new BadDataError(name, { line: i + 1 }, `not valid JSON (${(cause as Error).message})`);
    }
    rows.push(jsonRow(value, name, { line: i + 1 }, rows.length));
  });
  return rows;
}

/** Shortest text that gives back the float32 value (predictions are float32). */
function num(v: number): number {
  return Number(v.toPrecision(7));
}

async function predict(modelPath: string, input: string, flags: PredictFlags): Promise<void> {
  const run = await readRunFile(modelPath);
  const model = await Sequential.load(modelPath, flags.threads ? { threads: flags.threads } : {});
  try {
    const width = inputSize(model.spec);
    const name = input === '-' ? 'stdin' : input;
    const inputFormat = flags.inputFormat ?? formatOf(input) ?? 'csv';
    const csvOnly = flags.features ?? flags.delimiter ?? flags.header;
    if (inputFormat !== 'csv' && csvOnly !== undefined) throw new CliError('--features, --header, --no-header and --delimiter apply to CSV input only');
    const text = await readInput(input);
    const rows = inputFormat === 'csv' ? csvRows(text, name, flags, run, width) : inputFormat === 'json' ? jsonRows(text, name) : jsonlRows(text, name);
    if (rows.length === 0) throw new FastpropError('ERR_EMPTY_DATASET', `${name} holds no rows to predict`);
    const wrong = rows.findIndex((r) => r.length !== width);
    if (wrong >= 0) throw new CliError(`the model takes ${width} inputs, but row ${wrong + 1} of ${name} has ${rows[wrong]!.length}`);
    const outputs = model.predict(rows);

    const last = model.spec.layers.at(-1)!;
    const units = outputSize(model.spec);
    const classifier = last.activation === 'softmax' || (last.activation === 'sigmoid' && units === 1 && model.spec.loss === 'binaryCrossEntropy');
    const classes = classifier ? (run?.outputClasses && run.outputClasses.length === Math.max(units, 2) ? run.outputClasses : Array.from({ length: Math.max(units, 2) }, (_, i) => String(i))) : undefined;
    const names = classes ?? (run?.outputNames?.length === units ? run.outputNames : Array.from({ length: units }, (_, i) => (units === 1 ? 'prediction' : `output${i}`)));

    // One record per row: { prediction, <class>: probability, … } or { <output>: value, … }.
    const records = outputs.map((out) => {
      if (!classes) return Object.fromEntries(names.map((n, i) => [n, num(out[i]!)]));
      const probabilities = units === 1 ? [1 - out[0]!, out[0]!] : out;
      let best = 0;
      probabilities.forEach((p, i) => (p > probabilities[best]! ? (best = i) : 0));
      return { prediction: classes[best]!, ...Object.fromEntries(classes.map((c, i) => [c, num(probabilities[i]!)])) };
    });
    const format = flags.format ?? formatOf(flags.out) ?? 'csv';
    const columns = classes ? ['prediction', ...classes] : [...names];
    const body = format === 'json' ? `${JSON.stringify(records, null, 1)}\n`
      : format === 'jsonl' ? records.map((r) => JSON.stringify(r)).join('\n') + '\n'
      : [columns.map(csvField).join(','), ...records.map((r) => columns.map((c) => csvField(String((r as Record<string, unknown>)[c]))).join(','))].join('\n') + '\n';
    if (flags.out) {
      // Atomic: a failed or killed write (a full disk) keeps the previous file.
      await writeFileAtomic(flags.out, [Buffer.from(body, 'utf8')], 'write');
      process.stderr.write(`wrote ${records.length} prediction${records.length === 1 ? '' : 's'} to ${flags.out}\n`);
    } else {
      process.stdout.write(body);
    }
  } finally {
    model.dispose();
  }
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
