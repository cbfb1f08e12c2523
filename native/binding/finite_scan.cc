// SPDX-License-Identifier: MIT
#include "binding/finite_scan.h"

#include "binding/convert.h"
#include "core/finite.h"

namespace fastprop::binding {

namespace {

Napi::Number index_or_minus_one(Napi::Env env, std::size_t at, std::size_t length) {
  return Napi::Number::New(env, at == length ? -1.0 : static_cast<double>(at));
}

class ScanWorker : public Napi::AsyncWorker {
 public:
  ScanWorker(Napi::Env env, const Napi::Value& array, View<float> values)
      : Napi::AsyncWorker(env, "fastprop:firstNonFinite"),
        deferred_(Napi::Promise::Deferred::New(env)),
        array_(Napi::Persistent(array.As<Napi::Object>())),
        values_(values) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { at_ = core::first_non_finite(values_.data, values_.length); }
  void OnOK() override { deferred_.Resolve(index_or_minus_one(Env(), at_, values_.length)); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference array_;  // keeps the scanned memory alive until the scan settles
  View<float> values_;
  std::size_t at_ = 0;
};

}  // namespace

Napi::Value first_non_finite(const Napi::CallbackInfo& info) {
  const View<float> values = float32_array(info[0], "values", 0);
  return index_or_minus_one(info.Env(), core::first_non_finite(values.data, values.length), values.length);
}

Napi::Value first_non_finite_async(const Napi::CallbackInfo& info) {
  const View<float> values = float32_array(info[0], "values", 0);  // throws before anything is queued
  auto* worker = new ScanWorker(info.Env(), info[0], values);       // deletes itself once settled
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace fastprop::binding
