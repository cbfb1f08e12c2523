// SPDX-License-Identifier: MIT
// Tolerances and error measures shared by the parity and gradient-check tests.

/** Native float32 vs reference float64, per tensor (forward values and gradients). */
export const PARITY_TOLERANCE = 1e-5;
/** Reference analytic gradients vs central finite differences in float64. */
export const GRADCHECK_TOLERANCE = 1e-4;

/**
 * Relative error of `actual` against `expected`, measured on the whole tensor:
 * max |actual − expected| / max |expected|. Element-wise relative error would blow up on
 * entries that are tiny only because of cancellation; the tensor's scale is what matters.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  if (Number.isNaN(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}
