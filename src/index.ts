// SPDX-License-Identifier: MIT
// The public surface, listed explicitly. `src/reference` is deliberately not exported: it is the
// tests' oracle, reachable by users only as `backend: 'reference'`.
export { Sequential } from './model.ts';
export type { DenseLayerOptions, DropoutLayerOptions, FitOptions, LayerWeights, LoadOptions, ModelOptions, OptimizerState } from './model.ts';
export { EarlyStopping, ReduceLROnPlateau } from './train/callbacks.ts';
export type {
  BatchLogs, Callback, EarlyStoppingOptions, EpochLogs, History, Mode, Monitor, ReduceLROnPlateauOptions, TrainingContext,
} from './train/callbacks.ts';
export { TrainingInterruptedError } from './train/loop.ts';
export { ModelCheckpoint } from './train/checkpoint.ts';
export { exportSafetensors, importSafetensors, torchArchitecture } from './io/safetensors.ts';
export type { ImportOptions, TorchArchitecture, TorchModule } from './io/safetensors.ts';
export type { ModelCheckpointOptions } from './train/checkpoint.ts';
export { constant, cosineAnnealing, exponentialDecay, linearWarmup, stepDecay } from './train/schedules.ts';
export type { LearningRateSchedule } from './train/schedules.ts';
export { SGD } from './optimizers/sgd.ts';
export type { SGDOptions } from './optimizers/sgd.ts';
export { Adam, AdamW } from './optimizers/adam.ts';
export type { AdamOptions, AdamWOptions } from './optimizers/adam.ts';
export { RMSprop } from './optimizers/rmsprop.ts';
export type { RMSpropOptions } from './optimizers/rmsprop.ts';
export { Adagrad } from './optimizers/adagrad.ts';
export type { AdagradOptions } from './optimizers/adagrad.ts';
export type { Optimizer, OptimizerDescription, OptimizerKind } from './optimizers/optimizer.ts';
export { ACTIVATIONS, LOSSES } from './spec.ts';
export type { Activation, Loss } from './spec.ts';
export { INITIALIZERS } from './initializers.ts';
export type { Initializer } from './initializers.ts';
export type { InputData, MatrixInput, TargetData } from './tensor.ts';
export type { BackendName } from './backend/backend.ts';
export type { Kernel } from './native.ts';
export { backendInfo } from './info.ts';
export type { BackendInfo } from './info.ts';
export { BadDataError, FastpropError, isFastpropError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { loadMnistDigits } from './data/mnist.ts';
export { InMemoryDataset, StreamingDataset } from './data/dataset.ts';
export type { Batch, Dataset, DatasetTargets, FlatMatrix, SplitOptions, StreamingDatasetOptions } from './data/dataset.ts';
export { Normalizer, NORMALIZATIONS } from './data/normalize.ts';
export type { NormalizationMethod } from './data/normalize.ts';
export { csvDataset, loadCsv, CsvDataset } from './data/csv.ts';
export type { ColumnRef, CsvOptions } from './data/csv.ts';
export { jsonlDataset, loadJsonl, JsonlDataset } from './data/jsonl.ts';
export type { JsonlOptions } from './data/jsonl.ts';
export { idxDataset, loadIdx, readIdxHeader } from './data/idx.ts';
export type { IdxHeader, IdxOptions } from './data/idx.ts';
export type { LoaderOptions } from './data/files.ts';
export type { MnistDigits, MnistOptions } from './data/mnist.ts';
export { gradCheck } from './gradcheck.ts';
export type { GradCheckOptions, GradCheckResult, TensorCheck } from './gradcheck.ts';
