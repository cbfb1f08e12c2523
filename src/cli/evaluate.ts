// SPDX-License-Identifier: MIT
/**
 * `fastprop evaluate MODEL`: the model's loss and accuracy (or mean absolute error) on data.
 * The run file beside the model (if any) says how the training data was read, so a CSV needs
 * no --label again and class names map to the same indices; for a model trained on the MNIST
 * digits, the default data is the digits its training held out.
 * @internal
 */
import { Command, Option } from 'commander';
import { InMemoryDataset } from '../data/dataset.ts';
import { Sequential } from '../model.ts';
import type { Loss } from '../spec.ts';
import { CliError, formatCount, formatValue, percent, positiveInteger } from './common.ts';
import { addDataOptions, loadData, planOutputs, type DataFlags, type LoadedData } from './data.ts';
import { readRunFile } from './run-file.ts';

interface EvaluateFlags extends DataFlags {
  json?: boolean;
  threads?: number;
  backend?: 'native' | 'reference';
}

export function evaluateCommand(): Command {
  const command = new Command('evaluate')
    .summary("a model's loss and accuracy on data")
    .description(
      "Print a model's loss and accuracy (classification) or mean absolute error (regression) on data.\n" +
        'Without --csv or --idx: the MNIST digits (for a model trained on them, only the digits its training held out).\n' +
        'CSV details (label, features, header, class names) default to those of training, from the run file beside the model.',
    )
    .argument('<model>', 'a model file written by fastprop train or Sequential.save');
  addDataOptions(command);
  command
    .option('--json', 'print the result as one JSON object')
    .option('--threads <n>', 'GEMM threads', positiveInteger)
    .addOption(new Option('--backend <name>', "'native' or 'reference'").choices(['native', 'reference']))
    .action(async (modelPath: string, flags: EvaluateFlags) => {
      await evaluate(modelPath, flags);
    });
  return command;
}

async function evaluate(modelPath: string, flags: EvaluateFlags): Promise<void> {
  const run = await readRunFile(modelPath);
  const model = await Sequential.load(modelPath, {
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.backend ? { backend: flags.backend } : {}),
  });
  try {
    if (flags.csv === undefined && flags.idx === undefined && run && run.data.source !== 'mnist') {
      throw new CliError(`give the data to evaluate on with --csv FILE or --idx IMAGES LABELS (${modelPath} was trained on ${run.data.files.join(', ')})`);
    }
    let data = await loadData(flags, run?.data);
    let which = data.summary;
    if (data.description.source === 'mnist' && run?.data.source === 'mnist' && run.settings.validationSplit > 0) {
      // The digits training held out: the same seeded split as train's.
      const held = data.dataset.split({ validation: run.settings.validationSplit, seed: run.settings.seed }).validation!;
      data = { ...data, dataset: new InMemoryDataset(held.x, held.y) } satisfies LoadedData;
      which = `${formatCount(held.rows)} MNIST digits held out from training`;
    }
    const loss = model.spec.loss as Loss;
    const { y } = planOutputs(loss, data);
    const result = model.evaluate(data.dataset.x, y);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ model: modelPath, rows: data.dataset.rows, ...result })}\n`);
      return;
    }
    const parts = [`loss ${formatValue(result.loss)}`];
    if (result.accuracy !== undefined) parts.push(`accuracy ${percent(result.accuracy)}`);
    if (result.mae !== undefined) parts.push(`mae ${formatValue(result.mae)}`);
    process.stdout.write(`${parts.join('  ')}  (${which})\n`);
  } finally {
    model.dispose();
  }
}
