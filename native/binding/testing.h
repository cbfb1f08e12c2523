// SPDX-License-Identifier: MIT
// Test-only exports (names start with "_"): direct access to the GEMM so the parity suite can
// hold every kernel this CPU supports to the TypeScript reference.
#pragma once

#include <napi.h>

namespace fastprop::binding {

// _sgemm(transA: boolean, transB: boolean, m, n, k: number, alpha: number, a: Float32Array,
//        lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
//        bias: Float32Array | null, kernel: string, threads: number): void
Napi::Value sgemm_for_tests(const Napi::CallbackInfo& info);

// _optimizerUpdate(params: Float32Array, grads: Float32Array, slots: Float32Array[],
//                  optimizer: OptimizerDescription, learningRate: number, step: number,
//                  kernel: string, threads: number): boolean — one optimizer update of the whole
// buffer with the given kernel's element-wise code, split over `threads` as training splits it;
// false when a parameter became non-finite. For the per-kernel update tests and the bench's
// batch-1 memory floor.
Napi::Value optimizer_update_for_tests(const Napi::CallbackInfo& info);

// _fmaPeak(kernel: string, threads: number): number — GFLOP/s of the peak probe (peak_probe.h).
Napi::Value fma_peak_for_bench(const Napi::CallbackInfo& info);

}  // namespace fastprop::binding
