// SPDX-License-Identifier: MIT
// The seeded generator shared with src/random.ts, bit for bit: sfc32 seeded through splitmix32,
// so that dropout masks are identical on the native and reference backends.
#pragma once

#include <cstdint>

namespace fastprop::core {

class Random {
 public:
  explicit Random(std::uint32_t seed) {
    std::uint32_t s = seed;
    auto next = [&s]() {
      s += 0x9e3779b9u;
      std::uint32_t z = s;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      return z ^ (z >> 16);
    };
    a_ = next();
    b_ = next();
    c_ = next();
    for (int i = 0; i < 12; ++i) next_uint32();
  }

  std::uint32_t next_uint32() {
    const std::uint32_t t = a_ + b_ + d_++;
    a_ = b_ ^ (b_ >> 9);
    b_ = c_ + (c_ << 3);
    c_ = ((c_ << 21) | (c_ >> 11)) + t;
    return t;
  }

 private:
  std::uint32_t a_, b_, c_, d_ = 1;
};

// The seed of the dropout mask of `layer` at optimizer step `step` (same formula in
// src/reference/dropout.ts): independent of batching and threads, so runs are reproducible.
inline std::uint32_t dropout_seed(std::uint32_t model_seed, std::int64_t step, std::size_t layer) {
  return model_seed + static_cast<std::uint32_t>(step) * 0x9E3779B1u +
         static_cast<std::uint32_t>(layer + 1) * 0x85EBCA77u;
}

}  // namespace fastprop::core
