// SPDX-License-Identifier: MIT
// The addon's entry point: its export table and per-environment data.
//
// Exports:
//   NativeModel                      class (model_wrap.h)
//   backendInfo(): {kernels: string[] (supported, best last), defaultKernel: string,
//                   defaultThreads: number}
//   firstNonFinite(values), firstNonFiniteAsync(values)   input validation (finite_scan.h)
//   _sgemm(...), _fmaPeak(...), _optimizerUpdate(...)   test and benchmark hooks (testing.h)
#include <napi.h>

#include "binding/addon_data.h"
#include "binding/convert.h"
#include "binding/finite_scan.h"
#include "binding/model_wrap.h"
#include "binding/testing.h"
#include "core/dispatch.h"
#include "core/thread_pool.h"

namespace fastprop::binding {

namespace {

Napi::Value backend_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array kernels = Napi::Array::New(env);
  uint32_t count = 0;
  for (core::Isa isa : {core::Isa::kScalar, core::Isa::kAvx2, core::Isa::kAvx512}) {
    if (core::isa_supported(isa)) kernels.Set(count++, core::isa_name(isa));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("kernels", kernels);
  out.Set("defaultKernel", core::isa_name(core::default_isa()));
  out.Set("defaultThreads", core::default_thread_count());
  return out;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);  // deleted by Node when this env is torn down
  Napi::Function model = ModelWrap::define(env);
  data->model_constructor = Napi::Persistent(model);
  exports.Set("NativeModel", model);
  exports.Set("backendInfo", Napi::Function::New(env, backend_info, "backendInfo"));
  exports.Set("firstNonFinite", Napi::Function::New(env, first_non_finite, "firstNonFinite"));
  exports.Set("firstNonFiniteAsync", Napi::Function::New(env, first_non_finite_async, "firstNonFiniteAsync"));
  exports.Set("_sgemm", Napi::Function::New(env, sgemm_for_tests, "_sgemm"));
  exports.Set("_fmaPeak", Napi::Function::New(env, fma_peak_for_bench, "_fmaPeak"));
  exports.Set("_optimizerUpdate", Napi::Function::New(env, optimizer_update_for_tests, "_optimizerUpdate"));
  return exports;
}

}  // namespace

}  // namespace fastprop::binding

// The macro pastes its argument into an identifier, so it needs an unqualified name.
static Napi::Object init_addon(Napi::Env env, Napi::Object exports) {
  return fastprop::binding::init(env, exports);
}
NODE_API_MODULE(fastprop, init_addon)
