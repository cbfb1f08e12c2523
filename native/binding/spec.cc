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
  if (name == "elu") return core::Activation::kElu;
  if (name == "gelu") return core::Activation::kGelu;
  if (name == "softplus") return core::Activation::kSoftplus;
  if (name == "silu") return core::Activation::kSilu;
  throw_type_error(env, "unknown activation '" + name + "'");
}

core::Loss parse_loss(Napi::Env env, const std::string& name) {
  if (name == "meanSquaredError") return core::Loss::kMeanSquaredError;
  if (name == "halfSquaredError") return core::Loss::kHalfSquaredError;
  if (name == "meanAbsoluteError") return core::Loss::kMeanAbsoluteError;
  if (name == "binaryCrossEntropy") return core::Loss::kBinaryCrossEntropy;
  if (name == "categoricalCrossEntropy") return core::Loss::kCategoricalCrossEntropy;
  if (name == "sparseCategoricalCrossEntropy") return core::Loss::kSparseCategoricalCrossEntropy;
  if (name == "huber") return core::Loss::kHuber;
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
  Napi::Value seed = spec.Get("dropoutSeed");
  if (!seed.IsUndefined()) result.dropout_seed = std::uint32_t(size_arg(seed, "spec.dropoutSeed", 0xFFFFFFFFu));
  Napi::Value delta = spec.Get("huberDelta");
  if (!delta.IsUndefined()) {
    result.huber_delta = float(number_arg(delta, "spec.huberDelta"));
    if (!(result.huber_delta > 0)) throw_range_error(env, "expected spec.huberDelta > 0");
  }
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
    for (auto [key, field] : {std::pair{"l1", &parsed.l1}, std::pair{"l2", &parsed.l2}}) {
      Napi::Value v = layer.Get(key);
      if (v.IsUndefined()) continue;
      *field = float(number_arg(v, key));
      if (*field < 0) throw_range_error(env, std::string("expected ") + key + " >= 0");
    }
    Napi::Value dropout = layer.Get("dropout");
    if (!dropout.IsUndefined()) {
      parsed.dropout = number_arg(dropout, "layer dropout");
      if (!(parsed.dropout >= 0 && parsed.dropout < 1)) throw_range_error(env, "expected dropout in [0, 1)");
    }
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
  if (kind == "sgd") spec.kind = core::OptimizerKind::kSgd;
  else if (kind == "adam") spec.kind = core::OptimizerKind::kAdam;
  else if (kind == "adamw") spec.kind = core::OptimizerKind::kAdamW;
  else if (kind == "rmsprop") spec.kind = core::OptimizerKind::kRmsprop;
  else if (kind == "adagrad") spec.kind = core::OptimizerKind::kAdagrad;
  else throw_type_error(env, "unknown optimizer '" + kind + "'");
  // The TS layer sends every key, normalised; each is read unconditionally.
  auto number = [&](const char* key) { return float(number_arg(object.Get(key), key)); };
  spec.learning_rate = number("learningRate");
  spec.momentum = number("momentum");
  spec.beta1 = number_arg(object.Get("beta1"), "beta1");
  spec.beta2 = number_arg(object.Get("beta2"), "beta2");
  spec.rho = number_arg(object.Get("rho"), "rho");
  spec.epsilon = number("epsilon");
  spec.weight_decay = number("weightDecay");
  Napi::Value nesterov = object.Get("nesterov");
  if (!nesterov.IsBoolean()) throw_type_error(env, "expected optimizer.nesterov to be a boolean");
  spec.nesterov = nesterov.As<Napi::Boolean>().Value();
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
