// SPDX-License-Identifier: MIT
// The core computes with subnormal floats flushed to zero on x86-64 (FTZ and DAZ in MXCSR), as
// TensorFlow does. Why: an Intel core takes a microcode assist of ~100+ cycles for each
// subnormal operand or result. They arise in training on their own: SGD momentum decays the
// velocity of a weight whose gradient is zero (a dead relu unit's weights) by 0.9 per step until
// it is a subnormal of 1–4 ulp, where v·0.9 rounds back to v, so it never reaches zero and every
// update pays the assist forever (measured on a Xeon: a batch-1 step at 3 ms instead of
// 0.2 ms). Values this small (< 1.2e-38) carry no information a model can use.
//
// Scoped: the mode is set for a core call and the thread's own mode put back after it, so a
// libuv worker or the main thread is left as it was. The pool's workers run only core work and
// keep the mode for life. Other architectures are left as they are (not measured here).
#pragma once

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace fastprop::core {

class FlushSubnormals {
 public:
#if defined(__x86_64__) || defined(_M_X64)
  // MXCSR bit 15 = FTZ (results), bit 6 = DAZ (operands).
  static constexpr unsigned kFlushBits = 0x8040u;
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushBits); }
  ~FlushSubnormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#else
  FlushSubnormals() {}
#endif

 public:
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;
};

}  // namespace fastprop::core
