// SPDX-License-Identifier: MIT
// Input validation's finiteness scan of a borrowed Float32Array (src/tensor.ts), as two exports:
//   firstNonFinite(values: Float32Array): number                   on the calling thread
//   firstNonFiniteAsync(values: Float32Array): Promise<number>     on a libuv pool thread (fit's
//     data: about 2 ms for 3.2 million values, that the event loop need not spend)
// Both give the index of the first NaN or ±Infinity, or -1. The async scan references the array
// until it settles; callers must not mutate or transfer it meanwhile.
#pragma once

#include <napi.h>

namespace fastprop::binding {

Napi::Value first_non_finite(const Napi::CallbackInfo& info);
Napi::Value first_non_finite_async(const Napi::CallbackInfo& info);

}  // namespace fastprop::binding
