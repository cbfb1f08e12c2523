// SPDX-License-Identifier: MIT
// Native tests load the addon through this: if it did not build or load, they fail loudly
// (the error says why) rather than skip or fall back.
import { loadNative, type Kernel, type NativeBinding } from '../../src/native.ts';

export function nativeBinding(): NativeBinding {
  return loadNative();
}

/** Every GEMM kernel this CPU runs: the parity suites run once per kernel. */
export function availableKernels(): Kernel[] {
  return nativeBinding().backendInfo().kernels;
}
