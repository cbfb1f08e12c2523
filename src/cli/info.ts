// SPDX-License-Identifier: MIT
/**
 * `fastprop info MODEL`: what a model file holds — format version, layers and parameter counts,
 * loss, optimizer and whether its state is saved, training counters, normalisation — read
 * through the model-file decoder (every field and the checksum are checked), plus the run
 * file's summary when there is one beside it.
 * @internal
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ioError } from '../data/files.ts';
import { decodeModel, type ModelSnapshot } from '../io/model-file.ts';
import { formatCount, formatValue, percent } from './common.ts';
import { readRunFile, runFilePath, type RunRecord } from './run-file.ts';

export function infoCommand(): Command {
  return new Command('info')
    .summary("a model file's architecture, parameters and optimizer")
    .description("Print what a model file holds: format version, layers and parameter counts, loss, optimizer, training state and normalisation (and the run's summary, from the run file beside it).")
    .argument('<model>', 'a model file written by fastprop train or Sequential.save')
    .option('--json', 'print it as one JSON object')
    .action(async (modelPath: string, flags: { json?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = await readFile(modelPath);
      } catch (cause) {
        throw ioError(modelPath, 'read', cause);
      }
      const snapshot = decodeModel(bytes, modelPath);
      const run = await readRunFile(modelPath);
      const info = describe(snapshot, bytes, run);
      process.stdout.write(flags.json ? `${JSON.stringify({ file: modelPath, ...info, ...(run ? { runFile: runFilePath(modelPath) } : {}) })}\n` : text(modelPath, info, run));
    });
}

interface LayerInfo {
  readonly type: 'dense' | 'dropout';
  readonly units?: number;
  readonly activation?: string;
  readonly rate?: number;
  readonly parameters: number;
}

function describe(snapshot: ModelSnapshot, bytes: Buffer, run: RunRecord | undefined) {
  const a = snapshot.architecture;
  let inputs = a.inputSize;
  const layers: LayerInfo[] = a.layers.map((layer) => {
    if ('dropout' in layer) return { type: 'dropout', rate: layer.dropout, parameters: 0 };
    const parameters = (inputs + 1) * layer.units;
    inputs = layer.units;
    return { type: 'dense', units: layer.units, activation: layer.activation, parameters };
  });
  const o = snapshot.optimizer;
  const hyper: Record<string, number | boolean> = { learningRate: o.learningRate };
  if (o.kind === 'sgd') Object.assign(hyper, { momentum: o.momentum, nesterov: o.nesterov });
  if (o.kind === 'adam' || o.kind === 'adamw') Object.assign(hyper, { beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon });
  if (o.kind === 'adamw') hyper['weightDecay'] = o.weightDecay;
  if (o.kind === 'rmsprop') Object.assign(hyper, { rho: o.rho, momentum: o.momentum, epsilon: o.epsilon });
  if (o.kind === 'adagrad') hyper['epsilon'] = o.epsilon;
  return {
    formatVersion: bytes.readUInt16LE(6),
    bytes: bytes.length,
    inputSize: a.inputSize,
    layers,
    parameters: snapshot.parameters.length,
    loss: a.loss,
    optimizer: { kind: o.kind, ...hyper, stateSaved: snapshot.slots.length > 0, stateBuffers: snapshot.slots.length },
    training: { epoch: snapshot.training.epoch, step: snapshot.training.step, seed: a.seed },
    normalization: snapshot.normalization ? { method: snapshot.normalization.method, features: snapshot.normalization.shift.length } : null,
    ...(run?.outputClasses ? { classes: run.outputClasses } : {}),
  };
}

function text(path: string, info: ReturnType<typeof describe>, run: RunRecord | undefined): string {
  const lines = [`${path}: fastprop model file, format version ${info.formatVersion}, ${formatBytes(info.bytes)} (checksum verified)`, '', 'layers'];
  lines.push(`  input    ${String(info.inputSize).padStart(6)}`);
  for (const l of info.layers) {
    if (l.type === 'dropout') lines.push(`  dropout  ${String(l.rate).padStart(6)}`);
    else lines.push(`  dense    ${String(l.units).padStart(6)}  ${l.activation!.padEnd(9)} ${formatCount(l.parameters).padStart(11)} parameters`);
  }
  lines.push(`  total    ${' '.repeat(6)}  ${' '.repeat(9)} ${formatCount(info.parameters).padStart(11)} parameters`, '');
  const { kind, stateSaved, stateBuffers, ...hyper } = info.optimizer;
  const settings = Object.entries(hyper).map(([k, v]) => `${k} ${v}`).join(', ');
  lines.push(`loss           ${info.loss}`);
  lines.push(`optimizer      ${kind} (${settings}); ${stateSaved ? `state saved (${stateBuffers} buffer${stateBuffers === 1 ? '' : 's'}), so training resumes exactly` : 'no state saved'}`);
  lines.push(`trained        ${formatCount(info.training.epoch)} epochs, ${formatCount(info.training.step)} steps; seed ${info.training.seed}`);
  lines.push(`normalisation  ${info.normalization ? `${info.normalization.method} over ${info.normalization.features} features` : 'none'}`);
  if (info.classes) lines.push(`classes        ${info.classes.length <= 12 ? info.classes.join(', ') : `${info.classes.slice(0, 11).join(', ')}, … (${info.classes.length})`}`);
  if (run) {
    const f = run.final;
    const metric = f.valAccuracy !== undefined ? `validation accuracy ${percent(f.valAccuracy)}`
      : f.valMae !== undefined ? `validation mae ${formatValue(f.valMae)}`
      : f.accuracy !== undefined ? `accuracy ${percent(f.accuracy)}` : f.mae !== undefined ? `mae ${formatValue(f.mae)}` : '';
    const data = run.data.source === 'mnist' ? 'the MNIST digits' : run.data.files.join(', ');
    lines.push(`run            ${run.createdAt.slice(0, 19).replace('T', ' ')} on ${data} (${formatCount(run.data.trainRows)} rows)${metric ? `, ${metric}` : ''}${run.stopped ? `; ${run.stopped}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
