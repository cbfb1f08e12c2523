// SPDX-License-Identifier: MIT
#include "losses.h"

#include <algorithm>
#include <cmath>

#include "activations.h"

namespace fastprop::core {

namespace {

// log(1 + e^x) without overflow.
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

double log_sum_exp(const float* z, std::size_t n) {
  const double max = *std::max_element(z, z + n);
  double sum = 0;
  for (std::size_t j = 0; j < n; ++j) sum += std::exp(z[j] - max);
  return max + std::log(sum);
}

std::size_t argmax(const float* v, std::size_t n) {
  return static_cast<std::size_t>(std::max_element(v, v + n) - v);
}

}  // namespace

bool loss_is_fused(Loss loss) {
  return loss == Loss::kBinaryCrossEntropy || loss == Loss::kCategoricalCrossEntropy ||
         loss == Loss::kSparseCategoricalCrossEntropy;
}

Activation fused_activation(Loss loss) {
  return loss == Loss::kBinaryCrossEntropy ? Activation::kSigmoid : Activation::kSoftmax;
}

double loss_value(Loss loss, const float* z, const float* a, const Targets& targets,
                  std::size_t rows, std::size_t n, float huber_delta) {
  double sum = 0;
  const std::size_t count = rows * n;
  const float* t = targets.values;
  switch (loss) {
    case Loss::kMeanSquaredError:
      for (std::size_t i = 0; i < count; ++i) sum += double(a[i] - t[i]) * double(a[i] - t[i]);
      return sum / double(count);
    case Loss::kHalfSquaredError:
      for (std::size_t i = 0; i < count; ++i) sum += 0.5 * double(a[i] - t[i]) * double(a[i] - t[i]);
      return sum / double(rows);
    case Loss::kMeanAbsoluteError:
      for (std::size_t i = 0; i < count; ++i) sum += std::fabs(double(a[i]) - double(t[i]));
      return sum / double(count);
    case Loss::kHuber: {
      const double d = huber_delta;
      for (std::size_t i = 0; i < count; ++i) {
        const double e = std::fabs(double(a[i]) - double(t[i]));
        sum += e <= d ? 0.5 * e * e : d * (e - 0.5 * d);
      }
      return sum / double(count);
    }
    case Loss::kBinaryCrossEntropy:
      // −[t·log σ(z) + (1−t)·log(1−σ(z))] = softplus(z) − t·z
      for (std::size_t i = 0; i < count; ++i) sum += softplus(z[i]) - double(t[i]) * z[i];
      return sum / double(count);
    case Loss::kCategoricalCrossEntropy:
      // −Σ_j t_j·log softmax(z)_j = Σ_j t_j·(lse(z) − z_j)
      for (std::size_t r = 0; r < rows; ++r) {
        const float* zr = z + r * n;
        const double lse = log_sum_exp(zr, n);
        for (std::size_t j = 0; j < n; ++j) sum += double(t[r * n + j]) * (lse - zr[j]);
      }
      return sum / double(rows);
    case Loss::kSparseCategoricalCrossEntropy:
      for (std::size_t r = 0; r < rows; ++r) {
        const float* zr = z + r * n;
        sum += log_sum_exp(zr, n) - zr[targets.labels[r]];
      }
      return sum / double(rows);
  }
  return 0;
}

double loss_and_delta(Isa isa, Loss loss, const LayerSpec& out, const float* z, const float* a,
                      const Targets& targets, std::size_t rows, float* delta, float huber_delta) {
  const std::size_t n = out.units;
  const std::size_t count = rows * n;
  const float* t = targets.values;
  switch (loss) {
    case Loss::kMeanSquaredError: {
      const float scale = 2.0f / float(count);
      for (std::size_t i = 0; i < count; ++i) delta[i] = scale * (a[i] - t[i]);
      break;
    }
    case Loss::kHalfSquaredError: {
      const float scale = 1.0f / float(rows);
      for (std::size_t i = 0; i < count; ++i) delta[i] = scale * (a[i] - t[i]);
      break;
    }
    case Loss::kMeanAbsoluteError: {
      const float scale = 1.0f / float(count);
      for (std::size_t i = 0; i < count; ++i)
        delta[i] = a[i] > t[i] ? scale : (a[i] < t[i] ? -scale : 0.0f);
      break;
    }
    case Loss::kHuber: {
      const float scale = 1.0f / float(count);
      for (std::size_t i = 0; i < count; ++i)
        delta[i] = scale * std::clamp(a[i] - t[i], -huber_delta, huber_delta);
      break;
    }
    case Loss::kBinaryCrossEntropy: {
      const float scale = 1.0f / float(count);
      for (std::size_t i = 0; i < count; ++i) delta[i] = scale * (a[i] - t[i]);
      return loss_value(loss, z, a, targets, rows, n);
    }
    case Loss::kCategoricalCrossEntropy: {
      const float scale = 1.0f / float(rows);
      for (std::size_t r = 0; r < rows; ++r) {
        const float* tr = t + r * n;
        float mass = 0.0f;  // Σt: 1 for one-hot or smoothed targets, kept general
        for (std::size_t j = 0; j < n; ++j) mass += tr[j];
        for (std::size_t j = 0; j < n; ++j) delta[r * n + j] = scale * (a[r * n + j] * mass - tr[j]);
      }
      return loss_value(loss, z, a, targets, rows, n);
    }
    case Loss::kSparseCategoricalCrossEntropy: {
      const float scale = 1.0f / float(rows);
      for (std::size_t i = 0; i < count; ++i) delta[i] = scale * a[i];
      for (std::size_t r = 0; r < rows; ++r) delta[r * n + targets.labels[r]] -= scale;
      return loss_value(loss, z, a, targets, rows, n);
    }
  }
  // Regression losses: delta holds dL/da; turn it into dL/dz.
  activation_backward(isa, out.activation, out.leaky_slope, z, a, delta, rows, n);
  return loss_value(loss, z, a, targets, rows, n, huber_delta);
}

double metric_sum(Loss loss, const float* a, const Targets& targets, std::size_t rows,
                  std::size_t n) {
  std::size_t correct = 0;
  switch (loss) {
    case Loss::kBinaryCrossEntropy:
      for (std::size_t i = 0; i < rows * n; ++i)
        correct += (a[i] >= 0.5f) == (targets.values[i] >= 0.5f);
      return double(correct);
    case Loss::kCategoricalCrossEntropy:
      for (std::size_t r = 0; r < rows; ++r)
        correct += argmax(a + r * n, n) == argmax(targets.values + r * n, n);
      return double(correct);
    case Loss::kSparseCategoricalCrossEntropy:
      for (std::size_t r = 0; r < rows; ++r)
        correct += argmax(a + r * n, n) == static_cast<std::size_t>(targets.labels[r]);
      return double(correct);
    default: {
      double sum = 0;
      for (std::size_t i = 0; i < rows * n; ++i) sum += std::fabs(double(a[i]) - double(targets.values[i]));
      return sum;
    }
  }
}

}  // namespace fastprop::core
