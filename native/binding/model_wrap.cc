// SPDX-License-Identifier: MIT
#include "binding/model_wrap.h"

#include <new>
#include <string>

#include "binding/addon_data.h"
#include "binding/convert.h"
#include "binding/spec.h"
#include "binding/train_worker.h"
#include "core/dispatch.h"
#include "core/mlp.h"

namespace fastprop::binding {

namespace {
constexpr std::size_t kMaxRows = std::size_t(1) << 32;
constexpr int kMaxThreads = 1024;

// Runs a core call that sizes scratch memory for `rows` rows: memory it cannot get becomes a JS
// error that says so, not an abort (a huge layer times many rows can ask for terabytes).
template <typename Fn>
auto memory_checked(Napi::Env env, const char* method, std::size_t rows, Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    throw_with_state(env, std::string(method) + " ran out of memory: the scratch memory for " +
                              std::to_string(rows) + " rows of this model could not be allocated",
                     "ERR_NATIVE");
  }
}
}  // namespace

Napi::Function ModelWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {InstanceMethod<&ModelWrap::predict>("predict"),
                      InstanceMethod<&ModelWrap::gradients>("gradients"),
                      InstanceMethod<&ModelWrap::evaluate>("evaluate"),
                      InstanceMethod<&ModelWrap::train>("train"),
                      InstanceMethod<&ModelWrap::info>("info"),
                      InstanceMethod<&ModelWrap::dispose>("dispose"),
                      InstanceMethod<&ModelWrap::cancel>("cancel")});
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  core::ModelSpec spec = parse_model_spec(info[0]);
  core::Isa isa = core::default_isa();
  threads_ = core::default_thread_count();
  if (info[1].IsObject()) {
    Napi::Object options = info[1].As<Napi::Object>();
    Napi::Value kernel = options.Get("kernel");
    if (!kernel.IsUndefined()) isa = kernel_arg(kernel, "kernel");
    Napi::Value threads = options.Get("threads");
    if (!threads.IsUndefined()) threads_ = threads_arg(threads, "threads", kMaxThreads);
  }
  pool_ = env.GetInstanceData<AddonData>()->pool(threads_);
  mlp_ = std::make_unique<core::Mlp>(std::move(spec), isa, pool_.get());
}

void ModelWrap::report_memory(Napi::Env env) {
  const std::int64_t bytes = mlp_ ? std::int64_t(mlp_->workspace_bytes()) : 0;
  if (bytes != reported_bytes_) {
    Napi::MemoryManagement::AdjustExternalMemory(env, bytes - reported_bytes_);
    reported_bytes_ = bytes;
  }
}

void ModelWrap::require_idle(Napi::Env env, const char* method) const {
  if (!mlp_) {
    throw_with_state(env, std::string("cannot call ") + method + ": the model has been disposed",
                     "ERR_DISPOSED");
  }
  if (busy_) {
    throw_with_state(env, std::string("cannot call ") + method + " while the model is training",
                     "ERR_BUSY");
  }
}

Napi::Value ModelWrap::predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env, "predict");
  const core::ModelSpec& spec = mlp_->spec();
  const std::size_t rows = size_arg(info[2], "rows", kMaxRows);
  const float* params = float32_array(info[0], "params", spec.parameter_count()).data;
  const float* x = float32_array(info[1], "x", checked_mul(env, rows, spec.input_size(), "x")).data;
  float* out = float32_array(info[3], "out", checked_mul(env, rows, spec.output_size(), "out")).data;
  memory_checked(env, "predict", rows, [&] { mlp_->predict(params, x, rows, out); });
  report_memory(env);
  return env.Undefined();
}

Napi::Value ModelWrap::gradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env, "gradients");
  const core::ModelSpec& spec = mlp_->spec();
  const std::size_t rows = size_arg(info[3], "rows", kMaxRows);
  if (rows == 0) throw_range_error(env, "expected at least one row");
  const float* params = float32_array(info[0], "params", spec.parameter_count()).data;
  const float* x = float32_array(info[1], "x", checked_mul(env, rows, spec.input_size(), "x")).data;
  const core::Targets targets = parse_targets(info[2], spec, rows);
  float* grads = float32_array(info[4], "grads", spec.parameter_count()).data;
  const double loss =
      memory_checked(env, "gradients", rows, [&] { return mlp_->gradients(params, x, targets, rows, grads); });
  report_memory(env);
  return Napi::Number::New(env, loss);
}

Napi::Value ModelWrap::evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env, "evaluate");
  const core::ModelSpec& spec = mlp_->spec();
  const std::size_t rows = size_arg(info[3], "rows", kMaxRows);
  const float* params = float32_array(info[0], "params", spec.parameter_count()).data;
  const float* x = float32_array(info[1], "x", checked_mul(env, rows, spec.input_size(), "x")).data;
  const core::Targets targets = parse_targets(info[2], spec, rows);
  const core::Mlp::Evaluation result =
      memory_checked(env, "evaluate", rows, [&] { return mlp_->evaluate(params, x, targets, rows, 256); });
  report_memory(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("lossSum", result.loss_sum);
  out.Set("metric", result.metric);
  out.Set("penalty", result.penalty);
  return out;
}

Napi::Value ModelWrap::train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env, "train");
  // Busy from here: reading the job may run the caller's JS (getters), which must not dispose
  // or retrain this model while create() holds its spec.
  busy_ = true;
  TrainWorker* worker = nullptr;
  try {
    worker = TrainWorker::create(info, this);  // validates; throws on bad input
  } catch (...) {
    busy_ = false;
    throw;
  }
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value ModelWrap::info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!mlp_) throw_with_state(env, "cannot call info: the model has been disposed", "ERR_DISPOSED");
  Napi::Object out = Napi::Object::New(env);
  out.Set("kernel", core::isa_name(mlp_->isa()));
  out.Set("threads", threads_);
  out.Set("parameterCount", double(mlp_->spec().parameter_count()));
  out.Set("workspaceBytes", double(reported_bytes_));
  return out;
}

Napi::Value ModelWrap::cancel(const Napi::CallbackInfo& info) {
  cancel_.store(true);
  return info.Env().Undefined();
}

Napi::Value ModelWrap::dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (busy_) throw_with_state(env, "cannot call dispose while the model is training", "ERR_BUSY");
  mlp_.reset();  // idempotent: a second dispose is a no-op
  pool_.reset();
  report_memory(env);  // gives back everything reported
  return env.Undefined();
}

}  // namespace fastprop::binding
