// SPDX-License-Identifier: MIT
#include "binding/spec.h"

#include <string>

#include "binding/convert.h"
#include "core/losses.h"

namespace fastprop::binding {

namespace {

// Far above any real layer, far below where products of sizes could overflow.
constexpr std::size_t kMaxUnits = std::size_t(1) << 24;

core::Activation parse_activation(Napi::Env env, const std::string& name) {
  if (name == "linear") return core::Activation::kLinear;
  if (name == "sigmoid") return core::Activation::kSigmoid;
  if (name == "tanh") return core::Activation::kTanh;
  if (name == "relu") return core::Activation::kRelu;
  if (name == "leakyRelu") return core::Activation::kLeakyRelu;
  if (name == "softmax") return core::Activation::kSoftmax;
  throw_type_error(env, "unknown activation '" + name + "'");
}

core::Loss parse_loss(Napi::Env env, const std::string& name) {
  if (name == "meanSquaredError") return core::Loss::kMeanSquaredError;
  if (name == "halfSquaredError") return core::Loss::kHalfSquaredError;
  if (name == "meanAbsoluteError") return core::Loss::kMeanAbsoluteError;
  if (name == "binaryCrossEntropy") return core::Loss::kBinaryCrossEntropy;
  if (name == "categoricalCrossEntropy") return core::Loss::kCategoricalCrossEntropy;
  if (name == "sparseCategoricalCrossEntropy") return core::Loss::kSparseCategoricalCrossEntropy;
  throw_type_error(env, "unknown loss '" + name + "'");
}

}  // namespace

core::ModelSpec parse_model_spec(const Napi::Value& value) {
  Napi::Env env = value.Env();
  Napi::Object spec = object_arg(value, "spec");
  Napi::Value layers_value = spec.Get("layers");
  if (!layers_value.IsArray()) throw_type_error(env, "expected spec.layers to be an array");
  Napi::Array layers = layers_value.As<Napi::Array>();
  if (layers.Length() == 0) throw_range_error(env, "expected at least one layer");

  core::ModelSpec result;
  result.loss = parse_loss(env, string_arg(spec.Get("loss"), "spec.loss"));
  std::size_t parameters = 0;
  for (uint32_t i = 0; i < layers.Length(); ++i) {
    Napi::Object layer = object_arg(layers.Get(i), "spec.layers[i]");
    core::LayerSpec parsed;
    parsed.inputs = size_arg(layer.Get("inputs"), "layer inputs", kMaxUnits);
    parsed.units = size_arg(layer.Get("units"), "layer units", kMaxUnits);
    if (parsed.inputs == 0 || parsed.units == 0) {
      throw_range_error(env, "layer " + std::to_string(i) + " has a zero size");
    }
    parsed.activation = parse_activation(env, string_arg(layer.Get("activation"), "layer activation"));
    Napi::Value slope = layer.Get("leakySlope");
    if (!slope.IsUndefined()) parsed.leaky_slope = float(number_arg(slope, "layer leakySlope"));
    if (i > 0 && parsed.inputs != result.layers.back().units) {
      throw_range_error(env, "layer " + std::to_string(i) + " expects " +
                                 std::to_string(parsed.inputs) + " inputs but layer " +
                                 std::to_string(i - 1) + " has " +
                                 std::to_string(result.layers.back().units) + " units");
    }
    parameters += checked_mul(env, parsed.inputs + 1, parsed.units, "layer");
    if (parameters > (std::size_t(1) << 40)) throw_range_error(env, "model is too large");
    result.layers.push_back(parsed);
  }
  if (core::loss_is_fused(result.loss) &&
      result.layers.back().activation != core::fused_activation(result.loss)) {
    throw_type_error(env, "loss requires a " +
                              std::string(result.loss == core::Loss::kBinaryCrossEntropy ? "sigmoid" : "softmax") +
                              " output layer");
  }
  return result;
}

core::OptimizerSpec parse_optimizer(const Napi::Value& value) {
  Napi::Env env = value.Env();
  Napi::Object object = object_arg(value, "optimizer");
  core::OptimizerSpec spec;
  const std::string kind = string_arg(object.Get("kind"), "optimizer.kind");
  if (kind != "sgd") throw_type_error(env, "unknown optimizer '" + kind + "'");
  spec.kind = core::OptimizerKind::kSgd;
  spec.learning_rate = float(number_arg(object.Get("learningRate"), "optimizer.learningRate"));
  spec.momentum = float(number_arg(object.Get("momentum"), "optimizer.momentum"));
  return spec;
}

core::Targets parse_targets(const Napi::Value& value, const core::ModelSpec& spec, std::size_t rows) {
  Napi::Env env = value.Env();
  core::Targets targets;
  const std::size_t outputs = spec.output_size();
  if (core::uses_labels(spec.loss)) {
    View<std::int32_t> labels = int32_array(value, "targets", rows);
    for (std::size_t r = 0; r < rows; ++r) {
      const std::int32_t label = labels.data[r];
      if (label < 0 || std::size_t(label) >= outputs) {
        throw_range_error(env, "expected class labels from 0 to " + std::to_string(outputs - 1) +
                                   ", got " + std::to_string(label) + " at row " + std::to_string(r));
      }
    }
    targets.labels = labels.data;
  } else {
    targets.values = float32_array(value, "targets", checked_mul(env, rows, outputs, "targets")).data;
  }
  return targets;
}

}  // namespace fastprop::binding
