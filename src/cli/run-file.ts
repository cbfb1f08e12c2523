// SPDX-License-Identifier: MIT
/**
 * The run file `train` writes beside the model (`model.fprop` → `model.run.json`): how the data
 * was read (so `evaluate` and `predict` can read more of it the same way, with the same class
 * names), the settings, the per-epoch history and the final metrics. The model file itself
 * holds everything needed to predict; this is the human and tooling side of a run.
 * @internal
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { History } from '../train/callbacks.ts';
import { siblingPath } from './common.ts';
import type { DataDescription } from './data.ts';

export interface RunSettings {
  readonly inputSize: number;
  readonly hidden: readonly number[];
  readonly outputs: number;
  readonly activation: string;
  readonly loss: string;
  readonly optimizer: string;
  readonly learningRate: number;
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly validationSplit: number;
  readonly seed: number;
  readonly normalize: string;
  readonly backend: string;
  readonly kernel: string;
  readonly threads: number;
}

export interface FinalMetrics {
  readonly loss?: number;
  readonly accuracy?: number;
  readonly mae?: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  readonly valMae?: number;
}

export interface RunRecord {
  readonly format: 'fastprop-run';
  readonly version: 1;
  readonly fastprop: string;
  readonly createdAt: string;
  readonly command: string;
  readonly model: string;
  readonly data: DataDescription & { readonly rows: number; readonly trainRows: number; readonly validationRows: number };
  /** What the model's outputs mean: class names (softmax, or a sigmoid over two classes), else absent. */
  readonly outputClasses?: readonly string[];
  /** Names of the predicted values for regression (the label columns). */
  readonly outputNames?: readonly string[];
  readonly settings: RunSettings;
  readonly history: History;
  readonly final: FinalMetrics;
  /** Why training ended before its last epoch, if it did. */
  readonly stopped?: string;
  readonly seconds: number;
}

/** fastprop's version, from its package.json (one level above src/ and dist/). */
export function fastpropVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function runFilePath(modelPath: string): string {
  return siblingPath(modelPath, '.run.json');
}

/** The run file beside a model, or undefined when there is none (or it is not one). */
export async function readRunFile(modelPath: string): Promise<RunRecord | undefined> {
  let text: string;
  try {
    text = await readFile(runFilePath(modelPath), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as Partial<RunRecord>;
    return record.format === 'fastprop-run' && record.version === 1 ? (record as RunRecord) : undefined;
  } catch {
    return undefined;
  }
}
