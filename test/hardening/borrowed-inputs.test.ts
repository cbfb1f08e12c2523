// SPDX-License-Identifier: MIT
// fit reads a Float32Array in place on another thread while the event loop runs. What the
// caller can still do to that array's buffer meanwhile must not reach the native core as freed
// memory: a resizable ArrayBuffer is copied first (it can shrink); a SharedArrayBuffer cannot
// shrink or detach and is read in place.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';

/** ES2024's resizable ArrayBuffer (Node 20 has it; the project's TypeScript lib is ES2022). */
type ResizableArrayBuffer = ArrayBuffer & { resize(byteLength: number): void };
const ResizableArrayBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

const ROWS = 256, COLS = 16;
const values = Float32Array.from({ length: ROWS * COLS }, (_, i) => Math.sin(i));
const labels = Int32Array.from({ length: ROWS }, (_, i) => i % 3);

function model() {
  return new Sequential({ inputSize: COLS, layers: [{ units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'sparseCategoricalCrossEntropy', seed: 7, backend: 'native' });
}

async function trainedOn(data: Float32Array, during?: () => void) {
  const m = model();
  const fitting = m.fit({ data, shape: [ROWS, COLS] }, labels, { epochs: 20, batchSize: 16, seed: 3 });
  during?.();
  await fitting;
  const weights = m.getWeights().flatMap((w) => [...w.kernel, ...w.bias]);
  m.dispose();
  return weights;
}

describe('fit on borrowed arrays', () => {
  it('trains from a copy of an array on a resizable ArrayBuffer, which may shrink meanwhile', async () => {
    const expected = await trainedOn(values.slice());
    const buffer = new ResizableArrayBuffer(values.byteLength, { maxByteLength: values.byteLength });
    const x = new Float32Array(buffer);
    x.set(values);
    // Shrunk to nothing as soon as fit has returned its promise: read in place, the job would
    // find x empty (or read unmapped memory).
    expect(await trainedOn(x, () => buffer.resize(0))).toEqual(expected);
  });
  it('trains on and predicts from an array on a SharedArrayBuffer, as on an ArrayBuffer', async () => {
    const expected = await trainedOn(values.slice());
    const x = new Float32Array(new SharedArrayBuffer(values.byteLength));
    x.set(values);
    expect(await trainedOn(x)).toEqual(expected);
    const m = model();
    expect(m.predict({ data: x, shape: [ROWS, COLS] }).data).toEqual(m.predict({ data: values, shape: [ROWS, COLS] }).data);
    m.dispose();
  });
});
