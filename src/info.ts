// SPDX-License-Identifier: MIT
import { tryLoadNative, type Kernel } from './native.ts';

/** What the native backend can do on this machine. */
export interface BackendInfo {
  /** Whether the native addon loaded. */
  readonly native: boolean;
  /** The addon file that loaded: a prebuilt binary, a build from source, or FASTPROP_ADDON_PATH. */
  readonly binary?: string;
  /** Why it did not, when it did not. */
  readonly error?: string;
  /** GEMM kernels this CPU runs, in order of preference (best last). */
  readonly kernels: readonly Kernel[];
  /** The kernel models use unless told otherwise (FASTPROP_KERNEL can force one). */
  readonly kernel?: Kernel;
  /** GEMM threads models use unless told otherwise (FASTPROP_THREADS, else the core count). */
  readonly threads?: number;
}

/** Reports whether the native backend is available, its kernels and default thread count. */
export function backendInfo(): BackendInfo {
  const loaded = tryLoadNative();
  if ('error' in loaded) return { native: false, error: loaded.error.message, kernels: [] };
  const info = loaded.binding.backendInfo();
  return { native: true, binary: loaded.path, kernels: info.kernels, kernel: info.defaultKernel, threads: info.defaultThreads };
}
