// SPDX-License-Identifier: MIT
#include "finite.h"

#include <cstdint>
#include <cstring>

namespace fastprop::core {

std::size_t first_non_finite(const float* values, std::size_t n) {
  // A float is NaN or ±Infinity exactly when its 8 exponent bits are all ones. Each block is
  // tested without a branch per value (the compiler vectorises the loop), and only a block that
  // holds a bad value is walked again to find it.
  constexpr std::size_t kBlock = 1024;
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t end = n - start < kBlock ? n : start + kBlock;
    std::uint32_t bad = 0;
    for (std::size_t i = start; i < end; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, values + i, sizeof bits);
      bad |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (bad) {
      for (std::size_t i = start; i < end; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, values + i, sizeof bits);
        if ((bits & 0x7f800000u) == 0x7f800000u) return i;
      }
    }
  }
  return n;
}

}  // namespace fastprop::core
