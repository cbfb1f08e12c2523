// SPDX-License-Identifier: MIT
// The finiteness scan behind input validation: the TypeScript layer checks every value of a
// borrowed Float32Array (src/tensor.ts), which in JavaScript held the event loop for 12–27 ms on
// a 4096×784 x. The binding runs it on the calling thread, or on a pool thread for fit's data
// (binding/finite_scan.h).
#pragma once

#include <cstddef>

namespace fastprop::core {

// The index of the first value that is NaN or ±Infinity, or n when every value is finite.
std::size_t first_non_finite(const float* values, std::size_t n);

}  // namespace fastprop::core
