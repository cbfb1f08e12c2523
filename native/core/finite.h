// SPDX-License-Identifier: MIT
// The finiteness scan behind input validation: the TypeScript layer checks every value of a
// borrowed Float32Array before training, and in JavaScript that scan held the event loop for
// 12–27 ms on a 4096×784 x (see src/tensor.ts).
#pragma once

#include <cstddef>

namespace fastprop::core {

// The index of the first value that is NaN or ±Infinity, or n when every value is finite.
std::size_t first_non_finite(const float* values, std::size_t n);

}  // namespace fastprop::core
