// SPDX-License-Identifier: MIT
/**
 * TensorFlow.js trainers for the MLP comparison: the pure-JS `cpu` backend and the `wasm` backend
 * (SIMD). tfjs-node is left out: its install downloads libtensorflow, which cannot happen offline.
 *
 * The wasm backend loads its .wasm from node_modules by file path (no network). Its threaded
 * build cannot start under Node: it spawns its pthread workers from a blob: URL, which Node's
 * Worker rejects, and tfjs itself reports no multithread support there. So it runs on 1 thread.
 *
 * Each trainer uses the Layers API as a user would: model.fit on tensors made once per dataset
 * size, shuffle on (the default), verbose 0.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Classification } from './data.ts';
import type { Trainer } from './mlp.bench.ts';

export type TfjsBackend = 'cpu' | 'wasm';

type Tf = typeof import('@tensorflow/tfjs');
let loaded: Promise<Tf> | undefined;

async function tfjs(): Promise<Tf> {
  loaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}/`);
    return tf;
  })();
  return loaded;
}

/** What the wasm backend reports about itself once selected (thread count, SIMD). */
export async function wasmDetails(): Promise<string> {
  const tf = await tfjs();
  await useBackend(tf, 'wasm');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `tfjs ${tf.version.tfjs} wasm backend, SIMD ${simd ? 'on' : 'off'}, ${wasm.getThreadsCount()} thread`;
}

async function useBackend(tf: Tf, backend: TfjsBackend): Promise<void> {
  if (tf.getBackend() === backend) return;
  // The wasm module's Emscripten glue installs process-wide handlers that rethrow any uncaught
  // error with a dump of its own minified source; take them off so a failure elsewhere in the
  // bench reports its own stack.
  const before = { uncaught: process.listeners('uncaughtException'), unhandled: process.listeners('unhandledRejection') };
  const ok = await tf.setBackend(backend);
  await tf.ready();
  for (const l of process.listeners('uncaughtException')) if (!before.uncaught.includes(l)) process.off('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection')) if (!before.unhandled.includes(l)) process.off('unhandledRejection', l);
  if (!ok) throw new Error(`tfjs backend '${backend}' did not initialise`);
}

export async function tfjsTrainer(backend: TfjsBackend, data: Classification, batchSize: number): Promise<Trainer> {
  const tf = await tfjs();
  await useBackend(tf, backend);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [data.features], units: 512, activation: 'relu' }),
      tf.layers.dense({ units: 256, activation: 'relu' }),
      tf.layers.dense({ units: data.classes, activation: 'softmax' }),
    ],
  });
  // tf.train.momentum: v ← μ·v + g, θ ← θ − η·v, the same rule as PyTorch's and fastprop's SGD.
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'sparseCategoricalCrossentropy' });
  const tensors = new Map<number, { x: import('@tensorflow/tfjs').Tensor; y: import('@tensorflow/tfjs').Tensor }>();
  return {
    async train(rows, epochs) {
      // The cpu and wasm trainers take turns: each trains on the backend holding its variables.
      await useBackend(tf, backend);
      let t = tensors.get(rows);
      if (!t) {
        t = {
          x: tf.tensor2d(data.x.subarray(0, rows * data.features), [rows, data.features]),
          y: tf.tensor2d(Float32Array.from(data.labels.subarray(0, rows)), [rows, 1]),
        };
        tensors.set(rows, t);
      }
      await model.fit(t.x, t.y, { batchSize, epochs, shuffle: true, verbose: 0 });
    },
    dispose() {
      for (const t of tensors.values()) tf.dispose([t.x, t.y]);
      model.dispose();
    },
  };
}
