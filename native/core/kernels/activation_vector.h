// SPDX-License-Identifier: MIT
// Private to activation_avx2.cc and activation_avx512.cc: sigmoid, tanh, SiLU, ELU, softplus and
// GELU, and the derivatives of SiLU, softplus and GELU, sixteen floats at a time, where
// activation.h calls libm one element at a time. With these hidden layers a 784-512-256-10 MLP
// trains at batch 64 on 2 threads 1.40× (tanh), 1.22× (sigmoid), 1.57× (SiLU), 1.24× (ELU),
// 1.61× (softplus) and 1.59× (GELU) as fast as with libm (bench/compare-builds.mjs --hidden, 11
// rounds); tanh on 1 thread 1.65×.
//
// Written with GCC/Clang vector extensions, so both files compile the same source: one zmm per
// operation under AVX-512, two ymm under AVX2. Both files are compiled with FMA contraction on
// (CMakeLists.txt), so a·b + c may be fused, the same way in both: their values have the same
// bits (test/parity/activation-values.parity.test.ts checks that, and holds every kernel within
// 4 ulp of float64). Results agree with libm to a few ulp, not bit for bit, as the kernels'
// products already do (README, Determinism).
#pragma once

#include <cstdint>
#include <cstring>

#include "activation.h"

namespace fastprop::core::kernels {
namespace {  // each ISA file gets its own copy (see kernels.h)

typedef float F16 __attribute__((vector_size(64)));
typedef std::int32_t I16 __attribute__((vector_size(64)));
typedef std::uint32_t U16 __attribute__((vector_size(64)));

// By reference, never by value: a 64-byte vector passed by value has another ABI under each
// ISA's flags (GCC's -Wpsabi), though all of these are inlined.
#define FASTPROP_VECTOR_INLINE inline __attribute__((always_inline))

// out = mask ? yes : no, lane by lane; a comparison of V lanes gives the mask, as M lanes.
template <typename V, typename M>
FASTPROP_VECTOR_INLINE void select(V& out, const M& mask, const V& yes, const V& no) {
  out = (V)((mask & (M)yes) | (~mask & (M)no));
}

// e^x for x ≤ 0 (or NaN, which it returns). Cephes expf (S. L. Moshier): x = n·ln 2 + r with
// ln 2 in two parts (n·0.693359375 is exact), e^r by a degree-7 polynomial on |r| ≤ ln 2 / 2,
// then 2^n through the exponent bits. Below ln(FLT_MIN) it returns 0, which is what flushing
// subnormals (float_mode.h) makes of the true value anyway.
FASTPROP_VECTOR_INLINE void exp_nonpositive(F16& out, const F16& x) {
  const F16 t = x * 1.44269504088896341f + 12582912.0f;  // 1.5·2^23: t's low bits are round(x/ln 2)
  const F16 n = t - 12582912.0f;
  F16 r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  F16 p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const F16 y = p * (r * r) + r + 1.0f;
  const F16 scale = (F16)(((U16)t - 0x4B400000u + 127u) << 23);  // 2^n (n ≥ −126 where used)
  const F16 zero = {};
  select(out, x < -87.33654475f, zero, y * scale);
}

FASTPROP_VECTOR_INLINE void abs16(F16& out, const F16& x) { out = (F16)((I16)x & 0x7fffffff); }

// 1/(1 + e^−z) for z ≥ 0, e^z/(1 + e^z) below: the formulas of sigmoid_generic, with one e^−|z|.
FASTPROP_VECTOR_INLINE void sigmoid16(F16& out, const F16& z) {
  F16 e, a;
  abs16(a, z);
  exp_nonpositive(e, -a);
  F16 num;
  select(num, z >= 0.0f, F16{} + 1.0f, e);
  out = num / (e + 1.0f);
}

// Cephes tanhf: an odd polynomial below |z| = 0.625, (1 − e^−2|z|)/(1 + e^−2|z|) above (where
// e^−2|z| ≤ 0.29, so 1 − e loses nothing), with z's sign.
FASTPROP_VECTOR_INLINE void tanh16(F16& out, const F16& z) {
  F16 a, e;
  abs16(a, z);
  const F16 s = a * a;
  F16 p = s * -5.70498872745e-3f + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  const F16 small = p * s * a + a;
  exp_nonpositive(e, a * -2.0f);
  const F16 large = (1.0f - e) / (1.0f + e);
  F16 y;
  select(y, a < 0.625f, small, large);
  out = (F16)(((I16)y & 0x7fffffff) | ((I16)z & (std::int32_t)0x80000000u));
}

// e^z − 1 for z ≤ 0: z + z²·(1/2! + z/3! + … + z^7/9!) above −0.5 (the Taylor series' next
// term is below 1e-9 of the result there), e^z − 1 below (where 1 − e^z ≥ 0.39: no cancellation).
FASTPROP_VECTOR_INLINE void expm1_nonpositive(F16& out, const F16& z) {
  F16 p = z * (1.0f / 362880) + 1.0f / 40320;
  p = p * z + 1.0f / 5040;
  p = p * z + 1.0f / 720;
  p = p * z + 1.0f / 120;
  p = p * z + 1.0f / 24;
  p = p * z + 1.0f / 6;
  p = p * z + 0.5f;
  F16 e;
  exp_nonpositive(e, z);
  select(out, z > -0.5f, p * (z * z) + z, e - 1.0f);
}

// log(1 + u) for 0 ≤ u ≤ 1 (or NaN). w = 1 + u rounded; log w by Cephes logf (S. L. Moshier):
// w or w/2, whichever is nearer 1, is 1 + f with −0.29 ≤ f ≤ 0.42, and log(1 + f) is
// f − f²/2 + f³·P(f); then (u − (w − 1))/w adds back the part of u that rounding w lost
// (w − 1 and that difference are exact).
FASTPROP_VECTOR_INLINE void log1p_unit(F16& out, const F16& u) {
  const F16 w = u + 1.0f;
  const I16 halve = w > 1.41421356f;
  const F16 zero = {};
  F16 f, k;
  select(f, halve, w * 0.5f - 1.0f, w - 1.0f);
  select(k, halve, zero + 1.0f, zero);
  const F16 f2 = f * f;
  F16 p = f * 7.0376836292e-2f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  F16 y = p * f * f2 + k * -2.12194440e-4f;
  y = y - f2 * 0.5f;
  y = f + y + k * 0.693359375f;
  out = y + (u - (w - 1.0f)) / w;
}

// ELU's e^z − 1 below 0; softplus max(z, 0) + log(1 + e^−|z|), as activation.h's softplus.
FASTPROP_VECTOR_INLINE void elu16(F16& out, const F16& z) {
  F16 m;
  expm1_nonpositive(m, z);
  select(out, z > 0.0f, z, m);
}

FASTPROP_VECTOR_INLINE void softplus16(F16& out, const F16& z) {
  F16 a, e, l;
  abs16(a, z);
  exp_nonpositive(e, -a);
  log1p_unit(l, e);
  const F16 zero = {};
  F16 positive;
  select(positive, z > 0.0f, z, zero);
  out = positive + l;
}

// GELU in double lanes, eight at a time: z·Φ(z) loses its tail below 0 in float (see gelu in
// activation.h), and in double the float result comes out within an ulp without the care that
// float would need for e^(−z²/2) and erfc's argument.
typedef float F8 __attribute__((vector_size(32)));
typedef double D8 __attribute__((vector_size(64)));
typedef std::int64_t L8 __attribute__((vector_size(64)));
typedef std::uint64_t U8 __attribute__((vector_size(64)));

// e^x for −200 ≤ x ≤ 0 (0 below): x = n·ln 2 + r (ln 2 in fdlibm's two parts), e^r by its
// Taylor series to r¹¹ (|r| ≤ 0.35: the rest is below 1e-14), 2^n through the exponent bits.
FASTPROP_VECTOR_INLINE void exp_nonpositive8(D8& out, const D8& x) {
  const D8 t = x * 1.4426950408889634 + 6755399441055744.0;  // 1.5·2^52: low bits hold n
  const D8 n = t - 6755399441055744.0;
  const D8 r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
  D8 p = r * (1.0 / 39916800) + 1.0 / 3628800;
  for (const double c : {1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24,
                         1.0 / 6, 0.5, 1.0, 1.0}) {
    p = p * r + c;
  }
  const D8 scale = (D8)(((U8)t - 0x4338000000000000u + 1023u) << 52);  // wraps where unused
  const D8 zero = {};
  select(out, x < -200.0, zero, p * scale);
}

// Φ(z) = erfc(−z/√2)/2, and e^(−z²/2) for φ. erfc(a), a = |z|/√2: 1 − erf(a) by erf's Taylor
// series below 0.75 (terms to a²³: the rest is below 1e-12); above, e^(−a²)·P(1/(1 + a/2)),
// P fitted to erfc(a)·e^(a²) on [0.7, 10] by scripts/fit-erfc.py (relative error 1.2e-11;
// beyond 10, e^(−a²) is below float's range). z² is exact in double.
FASTPROP_VECTOR_INLINE void normal_cdf8(D8& cdf, D8& gauss, const D8& z) {
  const D8 a = (D8)((L8)z & 0x7fffffffffffffffLL) * 0.70710678118654752;
  exp_nonpositive8(gauss, z * z * -0.5);
  const D8 s = a * a;
  D8 series = s * (-1.0 / (39916800.0 * 23)) + 1.0 / (3628800.0 * 21);
  double factorial = 362880;
  for (int k = 9; k >= 0; --k) {
    series = series * s + (k % 2 ? -1.0 : 1.0) / (factorial * (2 * k + 1));
    factorial /= k > 0 ? k : 1;
  }
  const D8 small = 1.0 - a * series * 1.1283791670955126;  // 2/√π
  const D8 u = 1.0 / (1.0 + 0.5 * a);
  D8 p = u * 0.07030990878808657 - 0.36541217872595777;
  for (const double c : {0.7685968263268645, -0.7865186366881216, 0.38558254619022364,
                         -0.18745882468010958, 0.13714727367119275, 0.16531498354690236,
                         0.2483970420444635, 0.2819485831523893, 0.2821028608785192,
                         -1.9888549681508053e-07}) {
    p = p * u + c;
  }
  D8 erfc;
  select(erfc, a < 0.75, small, gauss * p);
  select(cdf, z >= 0.0, 1.0 - 0.5 * erfc, 0.5 * erfc);
}

// out = f(z) over sixteen floats, as two halves of eight doubles.
template <typename Fn>
FASTPROP_VECTOR_INLINE void in_double_halves(F16& out, const F16& z, const Fn& f) {
  for (int h = 0; h < 2; ++h) {
    F8 half;
    std::memcpy(&half, reinterpret_cast<const float*>(&z) + 8 * h, sizeof half);
    D8 wide = __builtin_convertvector(half, D8), result;
    f(result, wide);
    half = __builtin_convertvector(result, F8);
    std::memcpy(reinterpret_cast<float*>(&out) + 8 * h, &half, sizeof half);
  }
}

FASTPROP_VECTOR_INLINE void gelu16(F16& out, const F16& z) {
  in_double_halves(out, z, [](D8& o, const D8& x) {
    D8 cdf, gauss;
    normal_cdf8(cdf, gauss, x);
    o = x * cdf;
  });
}

FASTPROP_VECTOR_INLINE void gelu_derivative16(F16& out, const F16& z) {
  in_double_halves(out, z, [](D8& o, const D8& x) {
    D8 cdf, gauss;
    normal_cdf8(cdf, gauss, x);
    o = cdf + x * gauss * 0.3989422804014327;  // Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π)
  });
}

// out[i] = op(in[i]) for count floats, sixteen at a time; the tail goes through a zero-padded
// vector. in and out may be the same array.
template <typename Op>
FASTPROP_VECTOR_INLINE void map16(const float* in, float* out, std::size_t count, const Op& op) {
  std::size_t i = 0;
  F16 v, r;
  for (; i + 16 <= count; i += 16) {
    std::memcpy(&v, in + i, sizeof v);
    op(r, v);
    std::memcpy(out + i, &r, sizeof r);
  }
  if (i < count) {
    const std::size_t bytes = (count - i) * sizeof(float);
    v = F16{};
    std::memcpy(&v, in + i, bytes);
    op(r, v);
    std::memcpy(out + i, &r, bytes);
  }
}

// g[i] *= op(z[i]) for count floats.
template <typename Op>
FASTPROP_VECTOR_INLINE void scale16(const float* z, float* g, std::size_t count, const Op& op) {
  std::size_t i = 0;
  F16 v, f, gv;
  for (; i + 16 <= count; i += 16) {
    std::memcpy(&v, z + i, sizeof v);
    std::memcpy(&gv, g + i, sizeof gv);
    op(f, v);
    gv *= f;
    std::memcpy(g + i, &gv, sizeof gv);
  }
  if (i < count) {
    const std::size_t bytes = (count - i) * sizeof(float);
    v = F16{};
    gv = F16{};
    std::memcpy(&v, z + i, bytes);
    std::memcpy(&gv, g + i, bytes);
    op(f, v);
    gv *= f;
    std::memcpy(g + i, &gv, bytes);
  }
}

// SiLU: z·σ(z); its derivative σ(z)·(1 + z·(1 − σ(z))), as backward_generic writes it.
FASTPROP_VECTOR_INLINE void silu16(F16& out, const F16& z) {
  F16 s;
  sigmoid16(s, z);
  out = z * s;
}

FASTPROP_VECTOR_INLINE void silu_derivative16(F16& out, const F16& z) {
  F16 s;
  sigmoid16(s, z);
  out = s * (1.0f + z * (1.0f - s));
}

// The tables' entries: the activations above vectorised, every other case as activation.h has it.
inline void forward_vector(Activation f, float slope, const float* z, float* a, std::size_t rows,
                           std::size_t n) {
  const std::size_t count = rows * n;
  switch (f) {
    case Activation::kSigmoid:
      return map16(z, a, count, [](F16& o, const F16& v) { sigmoid16(o, v); });
    case Activation::kTanh:
      return map16(z, a, count, [](F16& o, const F16& v) { tanh16(o, v); });
    case Activation::kSilu:
      return map16(z, a, count, [](F16& o, const F16& v) { silu16(o, v); });
    case Activation::kElu:
      return map16(z, a, count, [](F16& o, const F16& v) { elu16(o, v); });
    case Activation::kSoftplus:
      return map16(z, a, count, [](F16& o, const F16& v) { softplus16(o, v); });
    case Activation::kGelu:
      return map16(z, a, count, [](F16& o, const F16& v) { gelu16(o, v); });
    default:
      return forward_generic(f, slope, z, a, rows, n);
  }
}

inline void backward_vector(Activation f, float slope, const float* z, const float* a, float* g,
                            std::size_t rows, std::size_t n) {
  const std::size_t count = rows * n;
  switch (f) {
    case Activation::kSoftplus:  // softplus' = σ
      return scale16(z, g, count, [](F16& o, const F16& v) { sigmoid16(o, v); });
    case Activation::kSilu:
      return scale16(z, g, count, [](F16& o, const F16& v) { silu_derivative16(o, v); });
    case Activation::kGelu:
      return scale16(z, g, count, [](F16& o, const F16& v) { gelu_derivative16(o, v); });
    default:
      return backward_generic(f, slope, z, a, g, rows, n);
  }
}

#undef FASTPROP_VECTOR_INLINE

}  // namespace
}  // namespace fastprop::core::kernels
