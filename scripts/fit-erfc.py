#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Generates P of normal_cdf8 (native/core/kernels/activation_vector.h): the degree-11 polynomial
# in u = 1/(1 + a/2) with P(u) ≈ erfc(a)·e^(a²) for 0.7 ≤ a ≤ 10, fitted for relative error by
# least squares on 600 Chebyshev nodes in u, reweighted towards the largest errors (a minimax
# approximation's equal ripple, roughly). Prints the coefficients, highest degree first, and the
# largest relative error on 5,001 points of a. Needs numpy; run by hand, not by the build:
#   python3 scripts/fit-erfc.py
import math

import numpy as np

DEGREE, LOW, HIGH, NODES = 11, 0.7, 10.0, 600


def target(a: float) -> float:
    return math.erfc(a) * math.exp(a * a)


def u_of(a):
    return 1.0 / (1.0 + 0.5 * a)


u0, u1 = u_of(HIGH), u_of(LOW)
k = np.arange(NODES)
us = 0.5 * (u0 + u1) + 0.5 * (u1 - u0) * np.cos(np.pi * (k + 0.5) / NODES)
ys = np.array([target(2.0 / u - 2.0) for u in us])
rows = np.vander(us, DEGREE + 1) / ys[:, None]  # relative error: P(u)/y − 1
weights = np.ones_like(ys)
for _ in range(40):
    coefficients, *_ = np.linalg.lstsq(rows * weights[:, None], weights, rcond=None)
    error = np.abs(rows @ coefficients - 1)
    weights *= np.sqrt(error / error.max() + 1e-3)
    weights /= weights.max()
check = max(abs(np.polyval(coefficients, u_of(a)) / target(a) - 1) for a in np.linspace(LOW, HIGH, 5001))
print(', '.join(repr(float(c)) for c in coefficients))
print(f'largest relative error: {check:.3g}')
