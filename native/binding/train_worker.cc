// SPDX-License-Identifier: MIT
#include "binding/train_worker.h"

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "binding/convert.h"
#include "binding/model_wrap.h"
#include "binding/spec.h"

namespace fastprop::binding {

namespace {
constexpr std::size_t kMaxRows = std::size_t(1) << 32;

// The bytes a typed array spans, as [begin, end) addresses.
std::pair<std::uintptr_t, std::uintptr_t> byte_range(const Napi::Value& value) {
  const auto begin = reinterpret_cast<std::uintptr_t>(typed_array_data(value));
  return {begin, begin + value.As<Napi::TypedArray>().ByteLength()};
}

// The optional rollback buffers ([params, ...slots], see core::TrainJob), read in phase 1 of
// create (reading an array's elements may run JS): empty when there are none.
std::vector<Napi::Value> rollback_values(const Napi::Value& value, int slots) {
  std::vector<Napi::Value> values;
  if (value.IsUndefined()) return values;
  Napi::Env env = value.Env();
  if (!value.IsArray()) throw_type_error(env, "expected rollback to be an array");
  Napi::Array rollback = value.As<Napi::Array>();
  if (rollback.Length() != uint32_t(slots + 1)) {
    throw_range_error(env, "expected rollback to hold " + std::to_string(slots + 1) +
                               " buffers (the parameters and each optimizer slot), got " +
                               std::to_string(rollback.Length()));
  }
  for (uint32_t i = 0; i < rollback.Length(); ++i) values.push_back(rollback.Get(i));
  return values;
}

// Their pointers: `borrowed` holds every other array of the job. The core writes these, so none
// may share a byte with another array.
void parse_rollback(const std::vector<Napi::Value>& rollback, std::size_t count,
                    std::vector<Napi::Value>& borrowed, core::TrainJob& parsed) {
  const std::size_t others = borrowed.size();
  for (std::size_t i = 0; i < rollback.size(); ++i) {
    const Napi::Value& buffer = rollback[i];
    Napi::Env env = buffer.Env();
    float* data = float32_array(buffer, "rollback buffer", count).data;
    if (i == 0) parsed.rollback_params = data;
    else parsed.rollback_slots[i - 1] = data;
    const auto [begin, end] = byte_range(buffer);
    for (std::size_t j = 0; j < borrowed.size(); ++j) {
      const auto [other_begin, other_end] = byte_range(borrowed[j]);
      if (begin < other_end && other_begin < end) {
        throw_range_error(env, std::string("expected rollback buffer ") + std::to_string(i) +
                                   " not to share memory with " +
                                   (j < others ? "the job's other arrays" : "another rollback buffer"));
      }
    }
    borrowed.push_back(buffer);
  }
}
}  // namespace

TrainWorker::TrainWorker(Napi::Env env, ModelWrap* model)
    : Napi::AsyncWorker(env, "fastprop:train"), deferred_(Napi::Promise::Deferred::New(env)), model_(model) {}

TrainWorker* TrainWorker::create(const Napi::CallbackInfo& info, ModelWrap* model) {
  Napi::Env env = info.Env();
  Napi::Object job = object_arg(info[0], "job");
  const core::ModelSpec& spec = model->mlp().spec();
  const std::size_t count = spec.parameter_count();
  // Phase 1: every property and element read, which may run the caller's JS (getters,
  // proxies), before any pointer into a typed array is taken: such JS could detach or shrink
  // a buffer whose pointer phase 2 already holds.
  core::TrainJob parsed;
  parsed.optimizer = parse_optimizer(job.Get("optimizer"));
  const int needed = core::optimizer_slot_count(parsed.optimizer);
  Napi::Value params = job.Get("params"), grads = job.Get("grads"), x = job.Get("x");
  Napi::Value targets = job.Get("targets"), order_value = job.Get("order");
  Napi::Value rates = job.Get("learningRates");
  Napi::Value slots_value = job.Get("slots");
  if (!slots_value.IsArray()) throw_type_error(env, "expected slots to be an array");
  Napi::Array slots = slots_value.As<Napi::Array>();
  if (slots.Length() != uint32_t(needed)) {
    throw_range_error(env, "expected " + std::to_string(needed) + " optimizer slots, got " +
                               std::to_string(slots.Length()));
  }
  std::vector<Napi::Value> slot_values;
  for (int s = 0; s < needed; ++s) slot_values.push_back(slots.Get(uint32_t(s)));
  std::vector<Napi::Value> rollback = rollback_values(job.Get("rollback"), needed);
  const double first_step = number_arg(job.Get("firstStep"), "firstStep");
  const std::size_t dataset_rows = size_arg(job.Get("datasetRows"), "datasetRows", kMaxRows);
  parsed.epoch_rows = size_arg(job.Get("epochRows"), "epochRows", kMaxRows);
  parsed.epochs = size_arg(job.Get("epochs"), "epochs", kMaxRows);
  parsed.batch_size = size_arg(job.Get("batchSize"), "batchSize", kMaxRows);
  parsed.first_batch = size_arg(job.Get("firstBatch"), "firstBatch", kMaxRows);
  parsed.batch_count = size_arg(job.Get("batchCount"), "batchCount", kMaxRows);
  parsed.clip_value = float(number_arg(job.Get("clipValue"), "clipValue"));
  parsed.clip_norm = float(number_arg(job.Get("clipNorm"), "clipNorm"));

  // Phase 2: checks and pointers; no JS runs from here on.
  if (first_step < 1 || first_step > 9e15) throw_range_error(env, "expected firstStep >= 1");
  parsed.first_step = static_cast<std::int64_t>(first_step);
  if (parsed.batch_size == 0 || parsed.epoch_rows == 0) {
    throw_range_error(env, "expected batchSize and epochRows >= 1");
  }
  const std::size_t total_batches =
      checked_mul(env, parsed.epochs, core::batches_per_epoch(parsed.epoch_rows, parsed.batch_size), "batches");
  if (parsed.first_batch + parsed.batch_count > total_batches) {
    throw_range_error(env, "batches " + std::to_string(parsed.first_batch) + " to " +
                               std::to_string(parsed.first_batch + parsed.batch_count) +
                               " are not all among the job's " + std::to_string(total_batches));
  }
  if (parsed.clip_value < 0 || parsed.clip_norm < 0) throw_range_error(env, "expected clipValue and clipNorm >= 0");

  std::vector<Napi::Value> borrowed;  // the arrays referenced until the promise settles
  auto borrow = [&](Napi::Value value) {
    borrowed.push_back(value);
    return value;
  };
  parsed.params = float32_array(borrow(params), "params", count).data;
  parsed.grads = float32_array(borrow(grads), "grads", count).data;
  for (int s = 0; s < needed; ++s) {
    parsed.slots[s] = float32_array(borrow(slot_values[std::size_t(s)]), "optimizer slot", count).data;
  }
  parsed.x = float32_array(borrow(x), "x", checked_mul(env, dataset_rows, spec.input_size(), "x")).data;
  parsed.targets = parse_targets(borrow(targets), spec, dataset_rows);
  if (!rates.IsUndefined()) {
    parsed.learning_rates = float32_array(borrow(rates), "learningRates", parsed.batch_count).data;
  }
  // The row order and the class labels index memory (x's rows, the loss's classes), so the
  // worker trains on copies of what was checked: the caller's arrays may share bytes with the
  // ones the job writes (grads), or change while it runs.
  const std::size_t order_length = checked_mul(env, parsed.epochs, parsed.epoch_rows, "order");
  const View<std::uint32_t> order_view = uint32_array(order_value, "order", order_length);
  std::vector<std::uint32_t> order(order_view.data, order_view.data + order_length);
  for (std::size_t i = 0; i < order_length; ++i) {
    if (order[i] >= dataset_rows) {
      throw_range_error(env, "order[" + std::to_string(i) + "] = " + std::to_string(order[i]) +
                                 " is not a row index below " + std::to_string(dataset_rows));
    }
  }
  parsed.order = order.data();
  std::vector<std::int32_t> labels;  // parse_targets checked them; nothing ran since
  if (parsed.targets.labels) {
    labels.assign(parsed.targets.labels, parsed.targets.labels + dataset_rows);
    parsed.targets.labels = labels.data();
  }

  parse_rollback(rollback, count, borrowed, parsed);

  Napi::Float64Array batch_loss = Napi::Float64Array::New(env, parsed.batch_count);
  Napi::Float64Array batch_metric = Napi::Float64Array::New(env, parsed.batch_count);
  parsed.batch_loss = batch_loss.Data();
  parsed.batch_metric = batch_metric.Data();
  parsed.cancel = &model->cancel_flag();
  model->cancel_flag().store(false);

  auto* worker = new TrainWorker(env, model);
  worker->order_ = std::move(order);  // a moved vector keeps its buffer: parsed points into it
  worker->labels_ = std::move(labels);
  worker->job_ = parsed;
  for (Napi::Value& value : borrowed) worker->keep_alive_.push_back(Napi::Persistent(value.As<Napi::Object>()));
  worker->batch_loss_ = Napi::Persistent(batch_loss.As<Napi::Object>());
  worker->batch_metric_ = Napi::Persistent(batch_metric.As<Napi::Object>());
  // Keep the model object alive (and so its Mlp) until the worker settles.
  worker->keep_alive_.push_back(Napi::Persistent(info.This().As<Napi::Object>()));
  return worker;
}

void TrainWorker::Execute() {
  try {
    outcome_ = model_->mlp().train(job_);
  } catch (const std::bad_alloc&) {
    SetError("out of memory while training");
  } catch (const std::exception& e) {
    SetError(std::string("training failed: ") + e.what());
  }
}

void TrainWorker::OnOK() {
  Napi::Env env = Env();
  model_->set_busy(false);
  model_->report_memory(env);
  Napi::Object result = Napi::Object::New(env);
  result.Set("batchLoss", batch_loss_.Value());
  result.Set("batchMetric", batch_metric_.Value());
  result.Set("batchesDone", double(outcome_.batches_done));
  const char* reason = "completed";
  switch (outcome_.reason) {
    case core::StopReason::kCompleted: reason = "completed"; break;
    case core::StopReason::kCancelled: reason = "cancelled"; break;
    case core::StopReason::kNonFiniteLoss: reason = "nonFiniteLoss"; break;
    case core::StopReason::kNonFiniteWeights: reason = "nonFiniteWeights"; break;
  }
  result.Set("stopReason", reason);
  deferred_.Resolve(result);
}

void TrainWorker::OnError(const Napi::Error& error) {
  model_->set_busy(false);
  model_->report_memory(Env());
  deferred_.Reject(error.Value());
}

}  // namespace fastprop::binding
