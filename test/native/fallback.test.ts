// SPDX-License-Identifier: MIT
// When the addon cannot load: the default backend falls back to the reference with one
// warning that says why and how to fix it; asking for 'native' explicitly throws instead.
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  delete process.env['FASTPROP_ADDON_PATH'];
  vi.resetModules();
});

async function withoutAddon() {
  process.env['FASTPROP_ADDON_PATH'] = '/nonexistent/fastprop.node';
  vi.resetModules(); // a fresh loader, which has not cached the real addon
  return import('../../src/index.ts');
}

const options = { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' as const }], loss: 'binaryCrossEntropy' as const, seed: 1 };

it('falls back to the reference backend with one warning naming the cause and the fix', async () => {
  const fastprop = await withoutAddon();
  const warnings: Error[] = [];
  const listen = (w: Error) => warnings.push(w);
  process.on('warning', listen);
  try {
    const first = new fastprop.Sequential(options);
    const second = new fastprop.Sequential(options);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on next tick
    expect(first.backend.name).toBe('reference');
    expect(second.backend.name).toBe('reference');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/could not be loaded from \/nonexistent\/fastprop\.node/);
    expect(warnings[0]!.message).toMatch(/npm run build/);
    expect(warnings[0]!.message).toMatch(/Falling back to the \(slow\) reference backend/);
    // And it still trains.
    const history = await first.fit([[0, 0], [1, 1]], [[0], [1]], { epochs: 20, batchSize: 2 });
    expect(history.loss[19]!).toBeLessThan(history.loss[0]!);
  } finally {
    process.off('warning', listen);
  }
  expect(fastprop.backendInfo()).toMatchObject({ native: false, kernels: [] });
});

it("throws ERR_NATIVE_UNAVAILABLE when backend 'native' is asked for", async () => {
  const fastprop = await withoutAddon();
  expect(() => new fastprop.Sequential({ ...options, backend: 'native' })).toThrow(expect.objectContaining({ code: 'ERR_NATIVE_UNAVAILABLE' }));
});
