// SPDX-License-Identifier: MIT
/**
 * `fastprop train`: reads data (CSV, IDX, or the MNIST digits by default), builds a dense
 * network from flags, trains it with a live progress bar, and writes the model, the run file,
 * an SVG chart and an HTML report side by side. Ctrl-C stops training through fit's AbortSignal
 * (the model keeps the weights of the last completed batch), saves what there is and exits 130.
 * @internal
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InMemoryDataset } from '../data/dataset.ts';
import { Normalizer } from '../data/normalize.ts';
import { FastpropError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { Sequential, type DenseLayerOptions } from '../model.ts';
import { Adagrad } from '../optimizers/adagrad.ts';
import { Adam, AdamW } from '../optimizers/adam.ts';
import type { Optimizer } from '../optimizers/optimizer.ts';
import { RMSprop } from '../optimizers/rmsprop.ts';
import { SGD } from '../optimizers/sgd.ts';
import { ACTIVATIONS, LOSSES, parameterCount, type Activation, type Loss } from '../spec.ts';
import type { History } from '../train/callbacks.ts';
import { TrainingInterruptedError } from '../train/loop.ts';
import { historySvg } from './chart-svg.ts';
import { historyText } from './chart-text.ts';
import {
  CliError, EXIT_INTERRUPTED, formatCount, formatDuration, formatValue, fraction, integerList, nonNegativeInteger, percent,
  positiveInteger, positiveNumber, siblingPath,
} from './common.ts';
import { addDataOptions, defaultLoss, loadData, planOutputs, type DataFlags } from './data.ts';
import { Progress, wantsBatchUpdates, type ProgressMode } from './progress.ts';
import { reportHtml } from './report.ts';
import { fastpropVersion, runFilePath, type FinalMetrics, type RunRecord, type RunSettings } from './run-file.ts';

const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
type OptimizerName = (typeof OPTIMIZERS)[number];
const NORMALIZE = ['none', 'minmax', 'standardize'] as const;
/** Hidden activations that He initialisation suits (ReLU-like: zero or small for negative inputs). */
const HE: readonly Activation[] = ['relu', 'leakyRelu', 'elu', 'gelu', 'silu'];

interface TrainFlags extends DataFlags {
  layers: number[];
  activation: Activation;
  loss?: Loss;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  batch: number;
  epochs: number;
  validationSplit: number;
  seed: number;
  threads?: number;
  backend?: 'native' | 'reference';
  normalize: (typeof NORMALIZE)[number];
  out: string;
  chart: boolean;
  quiet?: boolean;
  json?: boolean;
}

export function trainCommand(): Command {
  const command = new Command('train')
    .summary('train a network on CSV, IDX or the built-in MNIST digits')
    .description(
      'Train a dense network and save it, with a chart (SVG), an HTML report and a run file beside it.\n' +
        'Without --csv or --idx it trains the MNIST network 784-512-256-10 on the 10,000 digits of the mnist package.\n' +
        'Ctrl-C stops training cleanly: the model as it stands (weights of the last completed batch) is saved, and the exit code is 130.',
    );
  addDataOptions(command);
  command
    .option('--layers <units>', "hidden layer widths, comma-separated ('none' for a single-layer model)", integerList, [512, 256])
    .addOption(new Option('--activation <name>', 'activation of the hidden layers').choices(ACTIVATIONS).default('relu'))
    .addOption(new Option('--loss <name>', 'loss (default: sparseCategoricalCrossEntropy for class labels, meanSquaredError for numbers); it sets the output layer').choices(LOSSES))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('adam'))
    .option('--lr <rate>', "learning rate (default: the optimizer's: 0.001 for adam and adamw, 0.01 for the others)", positiveNumber)
    .option('--momentum <m>', 'momentum, for sgd and rmsprop (default: 0)', fraction)
    .option('--weight-decay <d>', 'decoupled weight decay, for adamw (default: 0.01)', positiveNumber)
    .option('--batch <rows>', 'rows per gradient step', positiveInteger, 64)
    .option('--epochs <n>', 'passes over the training data', positiveInteger, 10)
    .option('--validation-split <fraction>', 'fraction of the rows held out (after a seeded shuffle) to validate on; 0 for none', fraction, 0.2)
    .option('--seed <n>', 'seed of the split, the initial weights and the shuffling', nonNegativeInteger, 1)
    .option('--threads <n>', 'GEMM threads (default: FASTPROP_THREADS, else the number of cores)', positiveInteger)
    .addOption(new Option('--backend <name>', "'native' (C++) or 'reference' (TypeScript, slow)").choices(['native', 'reference']))
    .addOption(new Option('--normalize <method>', 'normalise the inputs with statistics of the training rows (stored in the model)').choices(NORMALIZE).default('none'))
    .option('--out <file>', 'where to save the model; the chart, report and run file go beside it', 'model.fprop')
    .option('--no-chart', 'do not write the SVG chart and HTML report (nor print the text chart)')
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print one JSON object per epoch on stdout, and nothing else there')
    .action(async (flags: TrainFlags) => {
      process.exitCode = await train(flags);
    });
  return command;
}

function makeOptimizer(flags: TrainFlags): Optimizer {
  const lr = flags.lr === undefined ? {} : { learningRate: flags.lr };
  if (flags.momentum !== undefined && flags.optimizer !== 'sgd' && flags.optimizer !== 'rmsprop') {
    throw new CliError(`--momentum applies to --optimizer sgd or rmsprop, not ${flags.optimizer}`);
  }
  if (flags.weightDecay !== undefined && flags.optimizer !== 'adamw') throw new CliError(`--weight-decay applies to --optimizer adamw, not ${flags.optimizer}`);
  const momentum = flags.momentum === undefined ? {} : { momentum: flags.momentum };
  switch (flags.optimizer) {
    case 'sgd': return new SGD({ ...lr, ...momentum });
    case 'adam': return new Adam(lr);
    case 'adamw': return new AdamW({ ...lr, ...(flags.weightDecay === undefined ? {} : { weightDecay: flags.weightDecay }) });
    case 'rmsprop': return new RMSprop({ ...lr, ...momentum });
    case 'adagrad': return new Adagrad(lr);
  }
}

/** Output for humans: stdout normally, stderr in --json mode (stdout is the JSON's), nowhere with --quiet. */
function humanWriter(flags: TrainFlags): (line: string) => void {
  if (flags.quiet) return () => {};
  const stream = flags.json ? process.stderr : process.stdout;
  return (line) => stream.write(`${line}\n`);
}

/** Trains; returns the exit code. */
async function train(flags: TrainFlags): Promise<number> {
  const say = humanWriter(flags);
  const out = resolve(flags.out);
  const outDir = dirname(out);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new CliError(`--out ${flags.out}: the directory ${outDir} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`--out ${flags.out} is a directory; give a file name such as ${flags.out.replace(/\/?$/, '/model.fprop')}`);
  const optimizer = makeOptimizer(flags);

  const data = await loadData(flags);
  const loss = flags.loss ?? defaultLoss(data);
  const plan = planOutputs(loss, data);
  const all = new InMemoryDataset(data.dataset.x, plan.y);
  let trainSet: InMemoryDataset = all;
  let validation: InMemoryDataset | undefined;
  if (flags.validationSplit > 0) {
    const split = all.split({ validation: flags.validationSplit, seed: flags.seed });
    trainSet = split.train;
    validation = split.validation;
  }

  const hidden: DenseLayerOptions[] = flags.layers.map((units) => ({
    units, activation: flags.activation, kernelInitializer: HE.includes(flags.activation) ? 'heNormal' : 'glorotUniform',
  }));
  const model = new Sequential({
    inputSize: all.features,
    layers: [...hidden, { units: plan.units, activation: plan.activation }],
    loss,
    optimizer,
    seed: flags.seed,
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.backend ? { backend: flags.backend } : {}),
  });
  try {
    if (flags.normalize !== 'none') model.setNormalization(Normalizer.fit(trainSet, flags.normalize === 'minmax' ? 'minMax' : 'standardize'));
    const { name: backend, kernel, threads } = model.backend;
    const described = optimizer.describe();
    const settings: RunSettings = {
      inputSize: all.features, hidden: flags.layers, outputs: plan.units, activation: flags.activation, loss, optimizer: flags.optimizer,
      learningRate: described.learningRate,
      ...(flags.optimizer === 'sgd' || flags.optimizer === 'rmsprop' ? { momentum: described.momentum } : {}),
      ...(flags.optimizer === 'adamw' ? { weightDecay: described.weightDecay } : {}),
      batchSize: flags.batch, epochs: flags.epochs, validationSplit: flags.validationSplit, seed: flags.seed,
      normalize: flags.normalize, backend, kernel, threads,
    };
    const parameters = parameterCount(model.spec);
    const network = [all.features, ...flags.layers, plan.units].join('-');
    say(`data     ${data.summary}: ${formatCount(trainSet.rows)} to train, ${validation ? formatCount(validation.rows) : 'none'} to validate`);
    say(`network  ${network} (${flags.activation}, ${plan.activation} output), ${formatCount(parameters)} parameters, loss ${loss}`);
    say(`training ${flags.optimizer} (learning rate ${described.learningRate}${settings.momentum ? `, momentum ${settings.momentum}` : ''}), batch ${flags.batch}, ${flags.epochs} epoch${flags.epochs === 1 ? '' : 's'}, seed ${flags.seed}${flags.normalize !== 'none' ? `, inputs normalised (${flags.normalize})` : ''}`);
    say(`backend  ${backend}${backend === 'native' ? ` (${kernel} kernel, ${threads} thread${threads === 1 ? '' : 's'})` : ''}`);

    const batchSize = Math.min(flags.batch, trainSet.rows);
    const mode: ProgressMode = flags.json ? 'json' : flags.quiet ? 'quiet' : process.stderr.isTTY ? 'bar' : 'lines';
    const progress = new Progress({
      mode, epochs: flags.epochs, batches: Math.ceil(trainSet.rows / batchSize), rows: trainSet.rows,
      metric: plan.classes || loss === 'binaryCrossEntropy' || loss === 'categoricalCrossEntropy' ? 'accuracy' : 'mae',
      batchUpdates: wantsBatchUpdates(batchSize),
    });

    // Ctrl-C: abort fit between batches (it rejects with ERR_ABORTED, keeping the weights of the
    // last completed batch); a second Ctrl-C exits at once.
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
      controller.abort(new Error('interrupted (SIGINT)'));
    };
    process.on('SIGINT', onSigint);
    const started = performance.now();
    let history: History;
    let stopped: string | undefined;
    try {
      history = await model.fit(trainSet, {
        epochs: flags.epochs,
        batchSize: flags.batch,
        ...(validation ? { validationData: validation } : {}),
        callbacks: [progress.callback()],
        signal: controller.signal,
      });
    } catch (error) {
      if (!(error instanceof TrainingInterruptedError) || error.code !== 'ERR_ABORTED') throw error;
      history = error.history;
      stopped = `interrupted by Ctrl-C after ${history.loss.length} complete epoch${history.loss.length === 1 ? '' : 's'}`;
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
    const seconds = (performance.now() - started) / 1000;

    await model.save(out).catch((error: unknown) => {
      throw error instanceof FastpropError ? error : new CliError(`cannot save the model to ${out}: ${(error as Error).message}`, 1);
    });
    const final = finalMetrics(history);
    const written = [out];
    if (history.loss.length > 0) {
      const run: RunRecord = {
        format: 'fastprop-run', version: 1, fastprop: fastpropVersion(), createdAt: new Date().toISOString(),
        command: ['fastprop', ...process.argv.slice(2)].join(' '), model: flags.out,
        data: { ...data.description, rows: all.rows, trainRows: trainSet.rows, validationRows: validation?.rows ?? 0 },
        ...(plan.classes ? { outputClasses: plan.classes } : {}),
        ...(!plan.classes && data.description.label ? { outputNames: data.description.label } : {}),
        settings, history, final, ...(stopped ? { stopped } : {}), seconds,
      };
      // Atomic like the model: a failed or killed write keeps the previous run file, chart and report.
      await writeText(runFilePath(out), `${JSON.stringify(run, null, 2)}\n`, 'write the run file');
      written.push(runFilePath(out));
      if (flags.chart) {
        const svg = historySvg(history, `fastprop: ${flags.out}`);
        await writeText(siblingPath(out, '.svg'), svg, 'write the chart');
        await writeText(siblingPath(out, '.html'), reportHtml(run, svg), 'write the report');
        written.push(siblingPath(out, '.svg'), siblingPath(out, '.html'));
      }
    }

    if (flags.chart && !flags.json && history.loss.length > 1) say(`\n${historyText(history, process.stdout.isTTY === true)}`);
    const summary = [`loss ${formatValue(final.loss ?? NaN)}`];
    if (final.accuracy !== undefined) summary.push(`accuracy ${percent(final.accuracy)}`);
    if (final.mae !== undefined) summary.push(`mae ${formatValue(final.mae)}`);
    if (final.valLoss !== undefined) summary.push(`validation loss ${formatValue(final.valLoss)}`);
    if (final.valAccuracy !== undefined) summary.push(`validation accuracy ${percent(final.valAccuracy)}`);
    if (final.valMae !== undefined) summary.push(`validation mae ${formatValue(final.valMae)}`);
    const rate = history.seconds.length ? (trainSet.rows * history.seconds.length) / history.seconds.reduce((a, b) => a + b, 0) : 0;
    if (history.loss.length > 0) say(`final    ${summary.join(', ')}`);
    say(`time     ${formatDuration(seconds)}${rate ? ` (${formatCount(rate)} samples/s while training)` : ''}`);
    if (stopped) {
      // Interrupted: this goes to stderr whatever the mode, so scripts see where the model went.
      process.stderr.write(`fastprop: ${stopped}; saved the model (epoch ${model.epoch}, step ${model.step}) to ${out}\n`);
      return EXIT_INTERRUPTED;
    }
    say(`saved    ${written.join('\n         ')}`);
    return 0;
  } finally {
    model.dispose();
  }
}

function finalMetrics(history: History): FinalMetrics {
  const last = (values: readonly number[] | undefined) => values?.at(-1);
  const entries = (['loss', 'accuracy', 'mae', 'valLoss', 'valAccuracy', 'valMae'] as const)
    .map((key) => [key, last(history[key])] as const)
    .filter(([, value]) => value !== undefined);
  return Object.fromEntries(entries) as FinalMetrics;
}

function writeText(path: string, text: string, action: string): Promise<void> {
  return writeFileAtomic(path, [Buffer.from(text, 'utf8')], action);
}
