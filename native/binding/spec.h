// SPDX-License-Identifier: MIT
// Parsing and re-checking the plain descriptions the TS layer builds: the model spec, the
// optimizer, and targets. TS validates all of this first and gives users the friendly errors;
// these checks exist because native code never trusts its caller with memory.
#pragma once

#include <napi.h>

#include "core/model_spec.h"
#include "core/optimizer.h"

namespace fastprop::binding {

core::ModelSpec parse_model_spec(const Napi::Value& value);
core::OptimizerSpec parse_optimizer(const Napi::Value& value);
// Targets for `rows` rows: Int32Array labels in [0, outputs) for sparse categorical
// cross-entropy, else a Float32Array of at least rows·outputs values.
core::Targets parse_targets(const Napi::Value& value, const core::ModelSpec& spec, std::size_t rows);

}  // namespace fastprop::binding
